#!/usr/bin/env bash
# bench/train.sh — training throughput of `exaone train` against PyTorch (the anchor),
# measured back to back in one run: same GPT-2-style model (LayerNorm, GELU, learned
# positions, tied embeddings, biases, ffn = 4d, head size 64), same shapes, same thread
# count, fp32 weights and AdamW, random tokens. Prints tokens/s of both, the ratio,
# and the f32 GFLOP/s of our matrix products as a % of this machine's measured FMA peak.
# Ours and torch alternate REPEAT times and each keeps its best run, so a burst of
# other work on a shared machine hurts neither side's number much.
#   THREADS=2 STEPS=3 REPEAT=2 bash bench/train.sh      (ONLY_D=256: just that shape)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-$(nproc)}
STEPS=${STEPS:-3}
REPEAT=${REPEAT:-2}
mkdir -p build/bench
[ -x ./exaone ] || make -s exaone
gcc -O2 -mavx512f -pthread bench/peak_fma.c -o build/bench/peak_fma
# best of 3: other processes on the machine only ever lower it
peak=$(for i in 1 2 3; do build/bench/peak_fma "$THREADS" | sed 's/peak_gflops=//'; done | sort -g | tail -1)
echo "threads=$THREADS steps=$STEPS (after one warm-up step), best of $REPEAT  measured f32 FMA peak ${peak} GFLOP/s"
/usr/bin/python3 -c "import torch; print('torch', torch.__version__, 'blas:', [l.split('=')[1] for l in torch.__config__.show().split(', ') if l.startswith('BLAS_INFO')] or '?')" 2>/dev/null | head -1 || true
ls -l /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed 's/.*-> /libblas.so.3 -> /' || true

for shape in "256 6 128 16 8192" "512 8 256 8 16384"; do
    read -r D L T B V <<<"$shape"
    [ -z "${ONLY_D:-}" ] || [ "$ONLY_D" = "$D" ] || continue
    cfg=build/bench/train_d$D.cfg
    cat >"$cfg" <<CFG
vocab = $V
d_model = $D
n_layers = $L
n_heads = $((D / 64))
ffn = $((4 * D))
max_seq = $T
norm = layer
mlp = gelu
pos = learned
tied = 1
bias = 1
batch = $B
seq = $T
data = random
threads = $THREADS
CFG
    ours="" torch="" best_o=0 best_t=0
    for ((r = 0; r < REPEAT; r++)); do
        run=$(./exaone -q train "$cfg" --steps $((STEPS + 1)))
        rate=$(sed -E 's/.*tokens_per_s=([0-9.]+).*/\1/' <<<"$run")
        if awk -v a="$rate" -v b="$best_o" 'BEGIN { exit !(a > b) }'; then ours=$run best_o=$rate; fi
        run=$(/usr/bin/python3 bench/train_torch.py "$D" "$L" "$T" "$B" "$V" "$STEPS" "$THREADS" 2>/dev/null)
        rate=$(sed -E 's/.*[^_]tokens_per_s=([0-9.]+).*/\1/' <<<" $run")
        if awk -v a="$rate" -v b="$best_t" 'BEGIN { exit !(a > b) }'; then torch=$run best_t=$rate; fi
    done
    o=$(sed -E 's/.*tokens_per_s=([0-9.]+).*/\1/' <<<"$ours")
    oc=$(sed -E 's/.*tokens_per_cpu_s=([0-9.]+).*/\1/' <<<"$ours")
    tc=$(sed -E 's/.*tokens_per_cpu_s=([0-9.]+).*/\1/' <<<"$torch")
    g=$(sed -E 's/.*matmul_gflops=([0-9.]+).*/\1/' <<<"$ours")
    s=$(sed -E 's/.*matmul_share=([0-9.]+).*/\1/' <<<"$ours")
    t=$(sed -E 's/.*[^_]tokens_per_s=([0-9.]+).*/\1/' <<<" $torch")
    awk -v d="$D" -v l="$L" -v tt="$T" -v b="$B" -v v="$V" -v o="$o" -v t="$t" -v g="$g" -v s="$s" -v p="$peak" \
        -v oc="$oc" -v tc="$tc" 'BEGIN {
        printf "d=%d L=%d T=%d B=%d V=%d: exaone %.0f tok/s, torch %.0f tok/s, ratio %.2fx (per CPU-second: %.0f vs %.0f, %.2fx); matmuls %.1f GFLOP/s = %.0f%% of peak, %.0f%% of step time\n",
            d, l, tt, b, v, o, t, o / t, oc, tc, oc / tc, g, 100 * g / p, 100 * s }'
done
