# bench/common.sh — sourced by the bench scripts: builds the library and
# compiles one bench program with the project's flags (+ AVX-512 for the
# programs that measure peaks, + OpenBLAS only where it is the anchor).
set -eu
cd "$(dirname "$0")/.."
make -s build/libexaone.a > /dev/null
BENCH_CFLAGS="-std=c11 -D_GNU_SOURCE -O3 -march=x86-64-v3 -Wall -Wextra -Wshadow -Wno-unused-parameter -pthread -Isrc"
AVX512="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx512vnni"
# bench_build NAME [extra flags...]: bench/NAME.c -> build/bench/NAME
bench_build() {
    local name=$1; shift
    mkdir -p build/bench
    gcc $BENCH_CFLAGS "$@" -o "build/bench/$name" "bench/$name.c" build/libexaone.a -lm "$@"
}
# peak_of NAME THREADS FILE: a value from peak's output
peak_of() { awk -v n="$1" -v t="$2" '$1 == n && $2 == t { print $3 }' "$3"; }
