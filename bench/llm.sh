#!/usr/bin/env bash
# bench/llm.sh — EXAONE text-model speed: an EXAONE-4.0-1.2B-shaped random model (exact
# shapes from ../shared/exaone/EXAONE-4.0-1.2B/config.json) as f16 / q8_0 / q4_0 GGUF;
# our pp512 / tg128 t/s next to llama.cpp's llama-bench on the very same file, 1 and 2
# threads, run back to back; decode GB/s against a read roofline measured in the same run.
#   LLAMA_CPP=/path/to/llama.cpp bash bench/llm.sh   (without LLAMA_CPP: ours only)
#   TYPES="q8_0" THREADS="1" bash bench/llm.sh        (subset)
set -u
cd "$(dirname "$0")/.."
make -s -j2 exaone >/dev/null || exit 1
CFG=${EXAONE_SHARED:-../shared/exaone}/EXAONE-4.0-1.2B
[ -f "$CFG/config.json" ] || CFG=shared/exaone/EXAONE-4.0-1.2B
if [ ! -f "$CFG/config.json" ]; then echo "bench/llm.sh: no EXAONE-4.0-1.2B config.json (../shared/exaone): skipped"; exit 0; fi
OUT=build/bench
M=$OUT/exaone4-1.2b-random
mkdir -p $OUT
[ -f $M/model.safetensors ] || /usr/bin/python3 bench/make_random_exaone.py "$CFG" $M || exit 1
TYPES=${TYPES:-"f16 q8_0 q4_0"}
THREADS=${THREADS:-"1 2"}
for t in $TYPES; do
    [ -f $OUT/exaone4-1.2b-$t.gguf ] || ./exaone -q quantize $M $OUT/exaone4-1.2b-$t.gguf $t || exit 1
done

LLAMA_BENCH=""
if [ -n "${LLAMA_CPP:-}" ]; then
    if [ ! -x "$OUT/llama.cpp/bin/llama-bench" ]; then
        cmake -S "$LLAMA_CPP" -B $OUT/llama.cpp -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF >/dev/null &&
            cmake --build $OUT/llama.cpp -j2 --target llama-bench >/dev/null
    fi
    [ -x "$OUT/llama.cpp/bin/llama-bench" ] && LLAMA_BENCH=$OUT/llama.cpp/bin/llama-bench
    [ -z "$LLAMA_BENCH" ] && echo "bench/llm.sh: could not build llama-bench from $LLAMA_CPP"
else
    echo "bench/llm.sh: LLAMA_CPP is not set: llama.cpp comparison skipped (ours only)"
fi

# t/s of one test from our table / llama-bench's markdown table
ours_tps() { grep -E "\| +$2 \|" "$1" | sed -E 's/.*\| +([0-9.]+) ± .*/\1/' | head -1; }
theirs_tps() { grep -E "\| +$2 \|" "$1" | sed -E 's/.*\| +([0-9.]+) ± [0-9.]+ \|$/\1/' | head -1; }

printf '\n%-6s %-7s %-6s %12s %12s %8s\n' type threads test "exaone t/s" "llama t/s" ratio
for t in $TYPES; do
    F=$OUT/exaone4-1.2b-$t.gguf
    for th in $THREADS; do
        ./exaone bench -m $F -t $th -p 512 -n 128 -r 3 --roofline > $OUT/ours.txt 2> $OUT/ours.err
        if [ -n "$LLAMA_BENCH" ]; then
            $LLAMA_BENCH -m $F -t $th -p 512 -n 128 -r 3 > $OUT/theirs.txt 2>/dev/null
        fi
        for test in pp512 tg128; do
            a=$(ours_tps $OUT/ours.txt $test)
            b=""
            [ -n "$LLAMA_BENCH" ] && b=$(theirs_tps $OUT/theirs.txt $test)
            r="-"
            [ -n "$a" ] && [ -n "$b" ] && r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2fx", a / b }')
            printf '%-6s %-7s %-6s %12s %12s %8s\n' $t $th $test "${a:--}" "${b:--}" "$r"
        done
        grep roofline $OUT/ours.err | sed 's/^/    /'
    done
done
