#!/usr/bin/env bash
# tools/fuzz.sh SECONDS [NAME...] — builds every tests/fuzz/fuzz_NAME.c (or only
# the NAMEs given) with clang -fsanitize=fuzzer,address,undefined against the
# src/ library and runs each for SECONDS, one after another (this machine is
# shared: one job at a time). Seeds come from tests/fuzz/corpus/NAME/; new
# inputs collect in build-fuzz/corpus/NAME/ (not committed); crashes are
# written to tests/fuzz/crashes/NAME/ so `make test` replays them forever.
# Called by `make fuzz FUZZ_SECONDS=N [FUZZ_TARGETS="NAME..."]`.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
CC=${FUZZ_CC:-clang}
out=build-fuzz
pkgs="libpcre2-8 libutf8proc libpng libcjson libmicrohttpd"
cflags="-std=c11 -D_GNU_SOURCE -O1 -g -march=x86-64-v3 -fno-omit-frame-pointer -pthread -Isrc
 $(pkg-config --cflags $pkgs 2>/dev/null) $(mpicc --showme:compile 2>/dev/null || true)"
libs="$(pkg-config --libs $pkgs 2>/dev/null) $(mpicc --showme:link 2>/dev/null || true) -lm -pthread"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

# The library once, instrumented for coverage but without libFuzzer's main,
# FUZZ_JOBS (default 2) files at a time. An object is rebuilt when its source
# or a header it includes (clang's dependency file NAME.o.d) is newer. Each
# object is written under a temporary name and renamed, so a build that is
# stopped leaves no truncated object that looks up to date.
mkdir -p $out/obj
compile() {
    local extra=""
    case $1 in *_avx512.c) extra="-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mavx512vnni" ;; esac
    $CC $cflags $extra $san -fsanitize=fuzzer-no-link -MMD -MF "$2.d" -MT "$2" -c "$1" -o "$2.tmp" && mv "$2.tmp" "$2"
}
stale() { # OBJ
    [ -f "$1" ] && [ -f "$1.d" ] || return 0
    local dep
    for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$1.d"); do
        [ "$dep" -nt "$1" ] && return 0
    done
    return 1
}
objs=()
failed=0
for src in $(find src -name '*.c' ! -path 'src/cli/main.c' | sort); do
    obj=$out/obj/${src//\//_}.o
    if stale "$obj"; then
        while [ "$(jobs -rp | wc -l)" -ge "${FUZZ_JOBS:-2}" ]; do wait -n || failed=1; done
        compile "$src" "$obj" &
    fi
    objs+=("$obj")
done
for pid in $(jobs -p); do wait "$pid" || failed=1; done
[ $failed -eq 0 ] || { echo "fuzz: building the library failed" >&2; exit 1; }
rm -f $out/libexaone-fuzz.a
ar rcs $out/libexaone-fuzz.a "${objs[@]}"

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do n=${f#tests/fuzz/fuzz_}; names+=("${n%.c}"); done
fi
status=0
for name in "${names[@]}"; do
    bin=$out/fuzz_$name
    $CC $cflags $san -fsanitize=fuzzer tests/fuzz/fuzz_$name.c $out/libexaone-fuzz.a $libs -o "$bin"
    mkdir -p "$out/corpus/$name" "tests/fuzz/crashes/$name"
    log=$out/fuzz_$name.log
    echo "fuzz: $name for ${seconds}s"
    set +e
    ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
        "$bin" "$out/corpus/$name" "tests/fuzz/corpus/$name" -max_total_time="$seconds" -max_len=65536 \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="tests/fuzz/crashes/$name/" > "$log" 2>&1
    rc=$?
    set -e
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+).*/cov \1, ft \2/p')
    corpus=$(ls "$out/corpus/$name" | wc -l)
    echo "fuzz: $name: exit $rc, ${execs:-?} execs, ${cov:-coverage ?}, corpus $corpus files (log $log)"
    if [ $rc -ne 0 ]; then
        status=1
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
    fi
done
exit $status
