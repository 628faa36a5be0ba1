# `exaone train`: config errors, data errors, and a short run that must learn.
source tests/scripts/lib.sh
cfg=$TMP/tiny.cfg
cat > "$cfg" <<CFG
# a tiny model: 2 layers, d=32
vocab = 16
d_model = 32
n_layers = 2
n_heads = 2
ffn = 64
max_seq = 16
batch = 8
seq = 16
steps = 60
warmup = 5
lr = 0.01
min_lr = 0.001
threads = 2
log = $TMP/log.csv
data = $TMP/tokens.bin
CFG
# The tokens 0 1 2 ... 15 repeated: fully predictable, so the loss must fall far below log(16) = 2.77.
perl -e 'print pack("l<*", map { $_ % 16 } 0 .. 4095)' > "$TMP/tokens.bin"
expect_output "steps=60" $EXAONE train "$cfg"
loss=$(sed -E 's/.*loss=([0-9.]+).*/\1/' "$TMP/out")
if awk -v l="$loss" 'BEGIN { exit !(l < 0.5) }'; then echo "ok   final loss $loss < 0.5"; _passed=$((_passed + 1))
else _fail "final loss $loss should be < 0.5 on a repeating sequence"; fi
# bf16 matmuls (f32 master weights) must learn it too, and be in use: a different loss.
sed -e '/^log = /d' "$cfg" > "$TMP/bf16.cfg"
printf 'bf16 = 1\n' >> "$TMP/bf16.cfg"
bf16_loss=$($EXAONE -q train "$TMP/bf16.cfg" | sed -E 's/.*loss=([0-9.]+).*/\1/')
if awk -v l="$bf16_loss" -v f="$loss" 'BEGIN { exit !(l < 0.5 && l != f) }'; then _pass "bf16 = 1: final loss $bf16_loss < 0.5 (f32 $loss)"
else _fail "bf16 = 1: final loss '$bf16_loss' should be < 0.5 and differ from f32 $loss"; fi
rows=$(wc -l < "$TMP/log.csv")
if [ "$rows" -eq 61 ] && head -1 "$TMP/log.csv" | grep -q '^step,loss,lr'; then _pass "csv log has a header and 60 rows"
else _fail "csv log" "$(head -3 "$TMP/log.csv")"; fi

printf 'vocab = 16\nd_modle = 32\n' > "$TMP/typo.cfg"
expect_stderr "typo.cfg:2: unknown key 'd_modle'" 1 $EXAONE train "$TMP/typo.cfg"
printf 'n_heads = 3\nd_model = 32\n' > "$TMP/heads.cfg"
expect_stderr "not a multiple of n_heads" 1 $EXAONE train "$TMP/heads.cfg"
printf 'lr = fast\n' > "$TMP/lr.cfg"
expect_stderr "lr = 'fast'" 1 $EXAONE train "$TMP/lr.cfg"
expect_stderr "No such file" 1 $EXAONE train "$TMP/missing.cfg"
perl -e 'print pack("l<*", 1, 2, 99, 3)' > "$TMP/bad.bin"
expect_stderr "token 99 at byte offset 8" 1 $EXAONE train "$cfg" --data "$TMP/bad.bin"
printf 'abc' > "$TMP/odd.bin"
expect_stderr "not a whole number of int32" 1 $EXAONE train "$cfg" --data "$TMP/odd.bin"
perl -e 'print pack("l<*", 1, 2, 3)' > "$TMP/short.bin"
expect_stderr "need at least seq + 1" 1 $EXAONE train "$cfg" --data "$TMP/short.bin"
expect_exit 2 $EXAONE train

# Data parallel: 2 MPI ranks with accum = 1 must train like 1 process with accum = 2
# (same global micro-batches, gradients averaged instead of accumulated).
if command -v mpirun > /dev/null; then
    sed -e 's/^steps = .*/steps = 12/' -e 's/^threads = .*/threads = 1/' -e '/^log = /d' "$cfg" > "$TMP/dp.cfg"
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_plm_rsh_agent=
    mpi=$(mpirun --oversubscribe -np 2 $EXAONE -q train "$TMP/dp.cfg" 2> "$TMP/mpi.err" | sed -E 's/.*loss=([0-9.]+).*/\1/')
    printf 'accum = 2\n' >> "$TMP/dp.cfg"
    one=$($EXAONE -q train "$TMP/dp.cfg" | sed -E 's/.*loss=([0-9.]+).*/\1/')
    if [ -n "$mpi" ] && awk -v a="$mpi" -v b="$one" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-5 * b) }'; then
        _pass "mpirun -np 2 loss $mpi == accum 2 loss $one"
    else
        _fail "data parallel loss '$mpi' != accumulated loss '$one'" "$(head -c 400 "$TMP/mpi.err")"
    fi
else
    skip "mpirun not installed"
fi

# Checkpoints: 8 steps straight == 4 steps, checkpoint, --resume for 4 more (byte-identical files).
sed -e 's/^steps = .*/steps = 8/' -e '/^log = /d' "$cfg" > "$TMP/a.cfg"
printf 'checkpoint = %s\n' "$TMP/a.safetensors" >> "$TMP/a.cfg"
sed "s|a.safetensors|b.safetensors|" "$TMP/a.cfg" > "$TMP/b.cfg"
if $EXAONE -q train "$TMP/a.cfg" > "$TMP/a.out" 2> "$TMP/a.err"; then
    expect_output "steps=4" $EXAONE -q train "$TMP/b.cfg" --until 4
    expect_output "steps=8" $EXAONE -q train "$TMP/b.cfg" --resume "$TMP/b.safetensors"
    if cmp -s "$TMP/a.safetensors" "$TMP/b.safetensors"; then _pass "resumed checkpoint is byte-identical"
    else _fail "resumed run differs from the straight run"; fi
    # Resuming the finished run trains nothing and reports the last step's loss (not 0).
    final=$(grep -oE 'steps=8 loss=[0-9.]+' "$TMP/a.out")
    expect_output "$final" $EXAONE -q train "$TMP/b.cfg" --resume "$TMP/b.safetensors"
    expect_stderr "nothing left to do" 0 $EXAONE train "$TMP/b.cfg" --resume "$TMP/b.safetensors"
    sed -e 's/^d_model = .*/d_model = 64/' "$TMP/b.cfg" > "$TMP/c.cfg"
    expect_stderr "checkpoint has d_model = 32 but the config says 64" 1 $EXAONE train "$TMP/c.cfg" --resume "$TMP/b.safetensors"
    expect_stderr "tokens.bin" 1 $EXAONE train "$TMP/b.cfg" --resume "$TMP/tokens.bin"
else
    _fail "checkpointed run failed" "$(head -c 400 "$TMP/a.err")"
fi
finish
