#!/usr/bin/env bash
# bench/matmul.sh — our f32 GEMM (nt/nn/tn) against OpenBLAS sgemm and the
# measured FMA peak, our bf16 GEMM against the measured vdpbf16ps peak, and
# linear_forward prefill for every weight dtype; 1 and 2 threads, all in one run.
source "$(dirname "$0")/common.sh"
bench_build peak $AVX512
bench_build matmul -lopenblas
bench_build prefill
peaks=$(mktemp)
trap 'rm -f "$peaks"' EXIT
build/bench/peak 2 compute > "$peaks"
SHAPES=${SHAPES:-"2048 2048 2048  4096 1024 1024  4096 256 4096  2048 4096 256  333 257 129"}
for t in 1 2; do
    f32=$(peak_of fma_f32 $t "$peaks"); bf16=$(peak_of dot_bf16 $t "$peaks"); i8=$(peak_of dot_int8 $t "$peaks")
    echo "== $t thread(s): measured peaks f32 $f32, bf16 $bf16 GFLOP/s, int8 $i8 GOP/s"
    build/bench/matmul $t "$f32" "$bf16" $SHAPES
    build/bench/prefill $t "$f32" "$bf16" "$i8" 512 2048 2048
done
