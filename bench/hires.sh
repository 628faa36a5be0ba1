#!/usr/bin/env bash
# bench/hires.sh — time and peak RSS of a 2048x2048 --tile pattern on 2 threads.
# Uses models/exaone-mini when it has weights, else a random model of the
# shipped size (d 256, 6 layers, 1024 codes, default VQ) written by
# test_hires (speed does not depend on the values of the weights).
# Usage: bench/hires.sh [SIZE (default 2048x2048)] [extra draw flags...]
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j2 exaone build/tests/test_hires >/dev/null
SIZE=${1:-2048x2048}
shift || true
M=models/exaone-mini
if [ ! -f $M/model.safetensors ] || [ ! -f $M/vq.safetensors ]; then
    M=build/tmp/hires-bench/model
    [ -f $M/vq.safetensors ] || HIRES_MAKE_MODEL=$M build/tests/test_hires >/dev/null
    echo "model: random, shipped size ($M)"
else
    echo "model: $M"
fi
OUT=build/tmp/hires-bench/tile-$SIZE.png
for cfg in 1 3; do
    /usr/bin/time -v ./exaone draw -m $M --threads 2 --size "$SIZE" --tile --cfg $cfg --seed 1 -o "$OUT" "$@" \
        "blue waves on white" 2> build/tmp/hires-bench/time.txt >/dev/null || { cat build/tmp/hires-bench/time.txt; exit 1; }
    wall=$(grep "Elapsed (wall clock)" build/tmp/hires-bench/time.txt | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" build/tmp/hires-bench/time.txt | awk '{printf "%.0f", $NF/1024}')
    gen=$(grep -o "generated in [0-9.]* s, decoded and written in [0-9.]* s" build/tmp/hires-bench/time.txt || true)
    echo "draw --size $SIZE --tile --cfg $cfg, 2 threads: wall $wall, peak RSS $rss MiB ($gen)"
done
./exaone tile "$OUT" --repeat 2x2 -o build/tmp/hires-bench/tile-2x2.png
