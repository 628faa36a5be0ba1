#!/usr/bin/env bash
# bench/vq_decode.sh — the VQ decoder (draw's last step; a 2048x2048 pattern is
# 16 such tiles) against PyTorch decoding the same shapes in the same run:
# one 80x80-code tile (640x640 pixels), f32 and bf16, THREADS (default "1 2").
# Ours: vq_decode_lean (im2col + GEMM in f32, direct convolutions in bf16);
# PyTorch: Debian's torch, oneDNN convolutions, the model in bfloat16 for bf16.
# Ratio = PyTorch seconds / ours (> 1: ours faster).
source "$(dirname "$0")/common.sh"
bench_build vq_decode
SIDE=${SIDE:-80}
for t in ${THREADS:-1 2}; do
    ours=$(build/bench/vq_decode "$t" "$SIDE")
    theirs=$(/usr/bin/python3 bench/vq_decode_torch.py "$t" "$SIDE")
    for p in f32 bf16; do
        a=$(echo "$ours" | awk -v p=$p '$1 == p { print $2 }')
        b=$(echo "$theirs" | awk -v p=$p '$1 == p { print $2 }')
        awk -v t="$t" -v p=$p -v s="$SIDE" -v a="$a" -v b="$b" 'BEGIN {
            printf "%d thread(s) %-4s %dx%d codes: exaone %.3f s, pytorch %.3f s, ratio %.2fx\n", t, p, s, s, a, b, b / a }'
    done
done
