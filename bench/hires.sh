#!/usr/bin/env bash
# bench/hires.sh — time and peak RSS of a 2048x2048 --tile pattern on 2 threads.
# Uses models/exaone-mini when it has weights, else a random model of the
# shipped size (d 256, 6 layers, 1024 codes, default VQ) written by
# test_hires (speed does not depend on the values of the weights).
# Prints wall time, CPU time (user + sys: on a shared machine wall time
# mostly measures the other jobs, CPU / 2 is the wall time of an idle one)
# and peak RSS. Anchor, measured in the same run: a plain 64x64 draw (one
# 8x8 window, unbatched); the ratio is the large pattern's CPU per window
# over the anchor's CPU, so < 1 means batching the windows pays.
# Usage: bench/hires.sh [SIZE (default 2048x2048)] [extra draw flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j2 exaone build/tests/test_hires >/dev/null
SIZE=${1:-2048x2048}
shift || true
M=models/exaone-mini
mkdir -p build/tmp/hires-bench
if [ ! -f $M/model.safetensors ] || [ ! -f $M/vq.safetensors ]; then
    M=build/tmp/hires-bench/model
    [ -f $M/vq.safetensors ] || HIRES_MAKE_MODEL=$M build/tests/test_hires >/dev/null
    echo "model: random, shipped size ($M)"
else
    echo "model: $M"
fi
T=build/tmp/hires-bench/time.txt
OUT=build/tmp/hires-bench/tile-$SIZE.png
# run CMD...: sets wall (s), cpu (s), rss (MiB) from /usr/bin/time -v
run() {
    /usr/bin/time -v "$@" 2> $T >/dev/null || { cat $T; exit 1; }
    wall=$(grep "Elapsed (wall clock)" $T | awk '{n = split($NF, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}')
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' $T)
    rss=$(grep "Maximum resident set size" $T | awk '{printf "%.0f", $NF/1024}')
}
w=$(echo "$SIZE" | cut -dx -f1)
h=$(echo "$SIZE" | cut -dx -f2)
# windows of the torus: ceil(codes / 6) per axis (8-code windows, 2 of context)
windows=$(( ( (w / 8 + 5) / 6 ) * ( (h / 8 + 5) / 6 ) ))
for cfg in 1 3; do
    run ./exaone draw -m $M --threads 1 --cfg $cfg --seed 1 -o build/tmp/hires-bench/anchor.png "blue waves on white"
    anchor=$cpu
    run ./exaone draw -m $M --threads 2 --size "$SIZE" --tile --cfg $cfg --seed 1 -o "$OUT" "$@" "blue waves on white"
    gen=$(grep -o "generated in .* s)" $T || true)
    echo "draw --size $SIZE --tile --cfg $cfg, 2 threads: wall $wall s, cpu $cpu s (idle-machine wall ~ $(awk "BEGIN {printf \"%.1f\", $cpu / 2}") s), peak RSS $rss MiB ($gen)"
    echo "  anchor: 64x64 draw, 1 thread: cpu $anchor s; cpu per window / anchor = $(awk "BEGIN {printf \"%.3f\", $cpu / $windows / $anchor}") ($windows windows)"
done
./exaone tile "$OUT" --repeat 2x2 -o build/tmp/hires-bench/tile-2x2.png
