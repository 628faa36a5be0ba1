#!/usr/bin/env bash
# bench/train.sh — training throughput of `exaone train` against PyTorch (the anchor),
# measured back to back in one run: same GPT-2-style model (LayerNorm, GELU, learned
# positions, tied embeddings, biases, ffn = 4d, head size 64), same shapes, same thread
# count, fp32 weights and AdamW, random tokens; ours also with bf16 = 1 (bf16 matmuls,
# f32 master weights and AdamW). Prints tokens/s and tokens per CPU-second of each, the
# ratios, and the GFLOP per CPU-second of our matrix products as a % of this machine's
# measured f32 FMA (and bf16 dot) peak. The runs alternate REPEAT times and each keeps
# its best, so a burst of other work on a shared machine hurts no side's number much.
#   THREADS=2 STEPS=3 REPEAT=2 bash bench/train.sh      (ONLY_D=256: just that shape)
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-$(nproc)}
STEPS=${STEPS:-3}
REPEAT=${REPEAT:-2}
mkdir -p build/bench
[ -x ./exaone ] || make -s exaone
gcc -O2 -mavx512f -mavx512bf16 -pthread bench/peak_fma.c -o build/bench/peak_fma
# Peaks per CPU-second of one core (best of 3: other processes only ever lower them). On a
# shared machine wall-clock rates mostly measure the other jobs; CPU-second rates measure us.
best_peak() { for i in 1 2 3; do build/bench/peak_fma 1 ${1:-} | sed -E 's/.*peak_gflops_per_cpu=([0-9.]+).*/\1/'; done | sort -g | tail -1; }
peak=$(best_peak)
peak_bf16=$(best_peak bf16)
echo "threads=$THREADS steps=$STEPS (after one warm-up step), best of $REPEAT; measured peak per core: f32 FMA ${peak}, bf16 dot ${peak_bf16} GFLOP/s per CPU-second"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other jobs share the machine: compare the per-CPU-second columns)"
/usr/bin/python3 -c "import torch; print('torch', torch.__version__, 'blas:', [l.split('=')[1] for l in torch.__config__.show().split(', ') if l.startswith('BLAS_INFO')] or '?')" 2>/dev/null | head -1 || true
ls -l /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed 's/.*-> /libblas.so.3 -> /' || true

field() { sed -E "s/.*(^|[^_])$1=([0-9.]+).*/\2/" <<<" $2"; }
# Keeps in the variable named $1 the run (output line) with the higher tokens_per_cpu_s.
keep_best() {
    local -n best=$1
    if [ -z "$best" ] || awk -v a="$(field tokens_per_cpu_s "$2")" -v b="$(field tokens_per_cpu_s "$best")" 'BEGIN { exit !(a > b) }'; then
        best=$2
    fi
}

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
    { cat "$cfg"; echo "bf16 = 1"; } > "${cfg%.cfg}_bf16.cfg"
    ours="" bf16="" torch=""
    for ((r = 0; r < REPEAT; r++)); do
        keep_best ours "$(./exaone -q train "$cfg" --steps $((STEPS + 1)))"
        keep_best bf16 "$(./exaone -q train "${cfg%.cfg}_bf16.cfg" --steps $((STEPS + 1)))"
        keep_best torch "$(/usr/bin/python3 bench/train_torch.py "$D" "$L" "$T" "$B" "$V" "$STEPS" "$THREADS" 2>/dev/null)"
    done
    awk -v d="$D" -v l="$L" -v tt="$T" -v b="$B" -v v="$V" -v p="$peak" -v pb="$peak_bf16" \
        -v o="$(field tokens_per_s "$ours")" -v oc="$(field tokens_per_cpu_s "$ours")" \
        -v og="$(field matmul_gflops_per_cpu "$ours")" -v os="$(field matmul_share "$ours")" \
        -v h="$(field tokens_per_s "$bf16")" -v hc="$(field tokens_per_cpu_s "$bf16")" \
        -v hg="$(field matmul_gflops_per_cpu "$bf16")" -v hs="$(field matmul_share "$bf16")" \
        -v t="$(field tokens_per_s "$torch")" -v tc="$(field tokens_per_cpu_s "$torch")" 'BEGIN {
        printf "d=%d L=%d T=%d B=%d V=%d  torch f32: %.0f tok/s, %.0f tok/CPU-s\n", d, l, tt, b, v, t, tc
        printf "  exaone f32:  %6.0f tok/s, %6.0f tok/CPU-s = %.2fx torch; matmuls %.1f GFLOP/CPU-s = %.0f%% of f32 peak, %.0f%% of step time\n",
            o, oc, oc / tc, og, 100 * og / p, 100 * os
        printf "  exaone bf16: %6.0f tok/s, %6.0f tok/CPU-s = %.2fx torch, %.2fx our f32; matmuls %.1f GFLOP/CPU-s = %.0f%% of bf16 peak (%.0f%% of f32 peak), %.0f%% of step time\n",
            h, hc, hc / tc, hc / oc, hg, 100 * hg / pb, 100 * hg / p, 100 * hs }'
done
