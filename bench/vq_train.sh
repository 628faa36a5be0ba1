#!/usr/bin/env bash
# bench/vq_train.sh [THREADS] [STEPS] — VQ tokenizer training speed, ours vs PyTorch
# CPU on the same model and batch (8 images of 64x64), run back to back.
# Ours trains on emoji PNGs (decoding is negligible), torch on random images:
# the arithmetic is the same. Prints images/s of each and the ratio.
set -eu
cd "$(dirname "$0")/.."
threads=${1:-1} steps=${2:-10}
data=${VQ_BENCH_DATA:-$HOME/.cache/exaone/npm/package/img/google/64}
[ -d "$data" ] || { echo "vq_train: no images at $data (run tools/vq-fetch-emoji or set VQ_BENCH_DATA)" >&2; exit 1; }
make -s exaone > /dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ours=$(./exaone vq train --data "$data" --out "$out" --steps $((steps + 1)) --batch 8 --eval-every 0 \
    --ckpt-seconds 1000000 --no-resume -t "$threads" 2>&1 | sed -n 's/.*vq train: \([0-9.]*\) images\/s.*/\1/p')
torch=$(/usr/bin/python3 bench/vq_train_torch.py "$steps" 8 "$threads" | sed -n 's/images\/s //p')
echo "vq train step, batch 8 x 64x64, $threads thread(s):"
echo "  exaone   $ours images/s"
echo "  pytorch  $torch images/s"
awk -v a="$ours" -v b="$torch" 'BEGIN { printf "  ratio    %.2fx\n", a / b }'
