#!/usr/bin/env bash
# bench/train_kernels.sh — every AVX-512 training kernel (src/train/*_avx512.c) against
# its portable C path on the same data, one thread; prints the speedup of each.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build/bench
[ -f build/libexaone.a ] || make -s build/libexaone.a
pkgs="libpcre2-8 libutf8proc libpng libcjson libmicrohttpd"
gcc -std=c11 -D_GNU_SOURCE -O2 -march=x86-64-v3 -pthread -Isrc bench/train_kernels.c build/libexaone.a \
    $(pkg-config --libs $pkgs 2>/dev/null) $(mpicc --showme:link 2>/dev/null || true) -lm -o build/bench/train_kernels
build/bench/train_kernels
