#!/usr/bin/env bash
# bench/matvec.sh — decode (M = 1) linear_forward GB/s per weight dtype for a
# 4096x4096 and a 102400x2048 (lm_head) weight, against the read bandwidth
# measured by the same program with the same threads.
source "$(dirname "$0")/common.sh"
bench_build matvec -mavx512f -mavx512bw -mavx512vl -mavx512dq
for t in ${THREADS:-1 2}; do
    echo "== $t thread(s)"
    build/bench/matvec $t 4096 4096 102400 2048
done
