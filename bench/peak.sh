#!/usr/bin/env bash
# bench/peak.sh — this machine's roofline: f32 FMA, bf16 dot, int8 VNNI dot
# throughput and memory read bandwidth, 1 and 2 threads.
source "$(dirname "$0")/common.sh"
bench_build peak $AVX512
echo "peak (cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores)"
build/bench/peak 2
