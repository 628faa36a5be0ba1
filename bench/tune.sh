#!/usr/bin/env bash
# bench/tune.sh — LoRA tune-step speed and memory on an EXAONE-4.0-1.2B-shaped random model
# (exact shapes from ../shared/exaone/EXAONE-4.0-1.2B/config.json) quantized to q4_0 GGUF:
# rank 8 on all seven linear modules, one 128-token conversation per step.
# Prints tokens/s over the steps after the first (which pages the mmap'ed weights in) and
# the peak RSS of the whole run, next to the file size of the base, and tokens per
# CPU-second (user + system time of all threads).
#   STEPS=4 LEN=128 THREADS=2 TYPE=q4_0 bash bench/tune.sh
set -u
cd "$(dirname "$0")/.."
make -s -j2 exaone >/dev/null || exit 1
CFG=${EXAONE_SHARED:-../shared/exaone}/EXAONE-4.0-1.2B
[ -f "$CFG/config.json" ] || CFG=shared/exaone/EXAONE-4.0-1.2B
if [ ! -f "$CFG/config.json" ]; then echo "bench/tune.sh: no EXAONE-4.0-1.2B config.json (../shared/exaone): skipped"; exit 0; fi
STEPS=${STEPS:-4} LEN=${LEN:-128} THREADS=${THREADS:-2} TYPE=${TYPE:-q4_0}
OUT=build/bench
M=$OUT/exaone4-1.2b-random
F=$OUT/exaone4-1.2b-$TYPE.gguf
mkdir -p $OUT
if [ ! -f $F ]; then
    [ -f $M/model.safetensors ] || /usr/bin/python3 bench/make_random_exaone.py "$CFG" $M || exit 1
    ./exaone -q quantize $M $F $TYPE || exit 1
fi
/usr/bin/python3 - $OUT/tune-bench.jsonl <<'PY'
import json, sys
words = "the quick brown fox jumps over the lazy dog 다람쥐 헌 쳇바퀴에 타고파".split()
with open(sys.argv[1], "w") as f:
    for i in range(16):
        text = " ".join(words[(i + k) % len(words)] for k in range(200))
        f.write(json.dumps({"messages": [{"role": "user", "content": "Repeat after me."},
                                         {"role": "assistant", "content": text}]}, ensure_ascii=False) + "\n")
PY
rm -rf $OUT/tune-adapter
sha_before=$(sha256sum $F)
/usr/bin/time -v ./exaone tune -m $F --data $OUT/tune-bench.jsonl -o $OUT/tune-adapter --rank 8 --alpha 16 \
    --targets all --batch 1 --max-len $LEN --max-steps $STEPS -t $THREADS > $OUT/tune.out 2> $OUT/tune.err || {
    cat $OUT/tune.err; exit 1; }
rate=$(awk -F, 'NR == 2 { t0 = $4 } NR > 2 { tok += $3; t1 = $4 } END { if (t1 > t0) printf "%.1f", tok / (t1 - t0); else print "-" }' \
    $OUT/tune-adapter/loss.csv)
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' $OUT/tune.err)
printf 'base %s (%s MB file), rank 8, all 7 modules, %d-token sequences, %d threads\n' "$TYPE" \
    $(( $(stat -c %s $F) / 1048576 )) $LEN $THREADS
printf 'tune-step tokens/s (steps 2..%d): %s\n' $STEPS "$rate"
printf 'peak RSS: %s MB (includes the mmap'"'"'ed base pages)\n' $(( rss / 1024 ))
# CPU time of all threads: steadier than wall time on a shared machine (includes step 1)
cpu=$(awk '/User time|System time/ { s += $NF } END { print s }' $OUT/tune.err)
tokens=$(awk -F, 'NR > 1 { tok += $3 } END { print tok }' $OUT/tune-adapter/loss.csv)
printf 'tokens per CPU-second (all %d steps, whole process): %s\n' $STEPS \
    "$(awk -v t="$tokens" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.1f", t / c; else print "-" }')"
cat $OUT/tune.out
[ "$(sha256sum $F)" = "$sha_before" ] && echo "base file SHA-256 unchanged" || echo "BASE FILE CHANGED"
