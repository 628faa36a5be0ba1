#!/usr/bin/env bash
# bench/llm.sh — EXAONE text-model speed against llama.cpp on the very same GGUF files.
# Random-weight models with the exact shapes of EXAONE-4.0-1.2B (../shared/exaone config.json:
# 2048 hidden, 30 layers, 32/8 heads, 4096 ffn, 102400 vocab), in the 4.0 architecture and,
# with the same sizes, the 3.0/3.5 one; written by `exaone quantize` as q8_0 / q4_0 / q4_K.
# For each file and thread count, back to back: our `exaone bench` and llama.cpp's llama-bench
# (pp512, tg128), the ratio, peak RSS of both, and decode GB/s against a memory-read roofline
# measured in the same run (ours measures it; llama.cpp's % uses the same roofline and bytes).
#   LLAMA_CPP=/path/to/llama.cpp [LLAMA_CPP_BUILD=dir] bash bench/llm.sh
#   ARCHS="exaone4" TYPES="q4_0" THREADS="1" REPS=1 bash bench/llm.sh      (a subset)
# Without LLAMA_CPP: ours only.
set -u
cd "$(dirname "$0")/.."
make -s -j2 exaone >/dev/null || exit 1
source bench/llamacpp.sh
CFG=${EXAONE_SHARED:-../shared/exaone}/EXAONE-4.0-1.2B
if [ ! -f "$CFG/config.json" ]; then echo "bench/llm.sh: no EXAONE-4.0-1.2B config.json (../shared/exaone): skipped"; exit 0; fi
OUT=build/bench
ARCHS=${ARCHS:-"exaone4 exaone35"}
TYPES=${TYPES:-"q8_0 q4_0 q4_K"}
THREADS=${THREADS:-"1 2"}
REPS=${REPS:-3}
mkdir -p $OUT
for a in $ARCHS; do
    M=$OUT/$a-1.2b-random
    flag=""
    [ $a = exaone35 ] && flag=--as-exaone3
    [ -f $M/model.safetensors ] || /usr/bin/python3 bench/make_random_exaone.py "$CFG" $M $flag || exit 1
    for t in $TYPES; do
        [ -f $OUT/$a-1.2b-$t.gguf ] || ./exaone -q quantize $M $OUT/$a-1.2b-$t.gguf $t || exit 1
    done
done

LLAMA_BENCH=""
if [ -n "${LLAMA_CPP:-}" ]; then
    llamacpp_build llama-bench && LLAMA_BENCH=$LLAMA_BIN/llama-bench
else
    echo "bench/llm.sh: LLAMA_CPP is not set: llama.cpp comparison skipped (ours only)"
fi

# t/s of one test from our table / llama-bench's markdown table
tps() { grep -E "\| +$2 \|" "$1" | sed -E 's/.*\| +([0-9.]+) ± [0-9.]+ *\|$/\1/' | head -1; }
# peak RSS (MiB) that /usr/bin/time -f %M wrote as the last line of a file
rss() { tail -1 "$1" | awk '{ printf "%.0f", $1 / 1024 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%.0f%%", 100 * a / b }'; }

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores shared with other jobs)"
printf '\n%-8s %-5s %-3s %-6s %10s %10s %7s %9s %9s %7s %7s\n' arch type thr test "exaone t/s" "llama t/s" ratio \
    "exaone MiB" "llama MiB" "ours RL" "llama RL"
for a in $ARCHS; do
    for t in $TYPES; do
        F=$OUT/$a-1.2b-$t.gguf
        for th in $THREADS; do
            /usr/bin/time -f %M -o $OUT/ours.rss ./exaone bench -m $F -t $th -p 512 -n 128 -r $REPS --roofline \
                > $OUT/ours.txt 2> $OUT/ours.err
            if [ -n "$LLAMA_BENCH" ]; then
                /usr/bin/time -f %M -o $OUT/theirs.rss $LLAMA_BENCH -m $F -t $th -p 512 -n 128 -r $REPS \
                    > $OUT/theirs.txt 2> /dev/null
            fi
            # roofline: read GB/s measured by ours, and the bytes one decode step reads
            gbs=$(sed -nE 's/.*read bandwidth ([0-9.]+) GB\/s.*/\1/p' $OUT/ours.err)
            mib=$(sed -nE 's/.*decode reads ([0-9.]+) MiB\/token.*/\1/p' $OUT/ours.err)
            for test in pp512 tg128; do
                x=$(tps $OUT/ours.txt $test)
                y=""
                [ -n "$LLAMA_BENCH" ] && y=$(tps $OUT/theirs.txt $test)
                r="-" rl_x="" rl_y=""
                [ -n "$x" ] && [ -n "$y" ] && r=$(awk -v a="$x" -v b="$y" 'BEGIN { printf "%.2fx", a / b }')
                if [ $test = tg128 ] && [ -n "$gbs" ]; then
                    rl_x=$(awk -v t="$x" -v m="$mib" 'BEGIN { print t * m * 1048576 / 1e9 }')
                    [ -n "$y" ] && rl_y=$(awk -v t="$y" -v m="$mib" 'BEGIN { print t * m * 1048576 / 1e9 }')
                fi
                printf '%-8s %-5s %-3s %-6s %10s %10s %7s %9s %9s %7s %7s\n' $a $t $th $test "${x:--}" "${y:--}" "$r" \
                    "$(rss $OUT/ours.rss)" "$([ -n "$LLAMA_BENCH" ] && rss $OUT/theirs.rss || echo -)" \
                    "$([ $test = tg128 ] && pct "$rl_x" "$gbs" || echo -)" "$([ $test = tg128 ] && pct "$rl_y" "$gbs" || echo -)"
            done
            grep roofline $OUT/ours.err | sed 's/^/    /'
        done
    done
done
echo "RL: decode GB/s (t/s x bytes of weights one token reads) as a % of the read roofline above."
echo "MiB: peak RSS of the whole bench process (model mmap + KV cache for 640 tokens + scratch)."
