#!/usr/bin/env bash
# test_llm.sh — the EXAONE text-model commands end to end on the tiny reference
# checkpoints of tests/ref/exaone_ref.py (built once into build/ref/exaone_ref).
source tests/scripts/lib.sh
REF=build/ref/exaone_ref
if [ ! -f $REF/.done ]; then
    mkdir -p $REF && /usr/bin/python3 tests/ref/exaone_ref.py $REF > /dev/null && touch $REF/.done
fi

expect_output "usage: exaone quantize" $EXAONE quantize --help
expect_output "usage: exaone bench" $EXAONE bench --help
expect_exit 2 $EXAONE quantize --bogus
expect_exit 2 $EXAONE bench --bogus
expect_exit 2 $EXAONE quantize $REF/exaone30 $TMP/x.gguf q3_z
expect_exit 2 $EXAONE bench
expect_stderr "not a model folder" 1 $EXAONE bench -m $TMP/nothing-here
expect_stderr "not a model folder" 1 $EXAONE quantize $TMP/nothing-here $TMP/x.gguf q8_0

# bad inputs name the file and the problem
mkdir -p $TMP/llama && cp $REF/exaone4_full/model.safetensors $TMP/llama/ &&
    sed 's/"exaone4"/"llama"/' $REF/exaone4_full/config.json > $TMP/llama/config.json
expect_stderr "config.json: unsupported architecture" 1 $EXAONE bench -m $TMP/llama -p 8 -n 0 -r 1
mkdir -p $TMP/shape && cp $REF/exaone30/model.safetensors $TMP/shape/ &&
    sed 's/"intermediate_size": 96/"intermediate_size": 80/' $REF/exaone30/config.json > $TMP/shape/config.json
expect_stderr "transformer.h.0.mlp.c_fc_0.weight has shape [96, 64]" 1 $EXAONE quantize $TMP/shape $TMP/x.gguf q8_0
# the shipped EXAONE-4.0-1.2B config.json describes a compressed-tensors int4 checkpoint
SHARED=${EXAONE_SHARED:-../shared/exaone}
if [ -f $SHARED/EXAONE-4.0-1.2B/config.json ]; then
    mkdir -p $TMP/ct && cp $SHARED/EXAONE-4.0-1.2B/config.json $TMP/ct/ && cp $REF/exaone4_full/model.safetensors $TMP/ct/
    expect_stderr "quantization_config (quant_method \"compressed-tensors\", format \"pack-quantized\") is not supported" 1 $EXAONE bench -m $TMP/ct
else
    skip "../shared/exaone is absent: compressed-tensors config check"
fi
# context overflow: the tiny models allow 128 positions
expect_stderr "exceeds the model's max_position_embeddings 128" 1 $EXAONE bench -m $REF/exaone30 -p 200 -n 0 -r 1
printf 'GGUF\3\0\0\0' > $TMP/trunc.gguf
expect_stderr "trunc.gguf" 1 $EXAONE bench -m $TMP/trunc.gguf -r 1

# quantize -> a GGUF that loads, for every type; bench prints the table
for t in q8_0 q4_0 q4_K f16; do
    expect_exit 0 $EXAONE quantize $REF/exaone4_hybrid $TMP/h.$t.gguf $t
    expect_output " tg4 |" $EXAONE bench -m $TMP/h.$t.gguf -p 16 -n 4 -r 1 -t 1
done
expect_output " pp16 |" $EXAONE bench -m $REF/exaone35 -p 16 -n 4 -r 2 -t 1,2
[ ! -e $TMP/x.gguf ] && _pass "failed quantize leaves no output file" || _fail "failed quantize left $TMP/x.gguf"

# info: the architecture as the runtime reads it, from HF config and from GGUF metadata
expect_output "3 sliding-window layers (window 16, RoPE) + 1 global (no RoPE)" $EXAONE info $REF/exaone4_hybrid
expect_output "3 sliding-window layers (window 16, RoPE) + 1 global (no RoPE)" $EXAONE info $TMP/h.q8_0.gguf
expect_output "every layer global attention with RoPE" $EXAONE info $REF/exaone4_full
expect_output "rope_freqs tensor (llama3 scaling)" $EXAONE info $TMP/h.q4_0.gguf
expect_output "embeddings tied" $EXAONE info $REF/exaone35
expect_output "not loadable: $TMP/shape/model.safetensors: tensor transformer.h.0.mlp.c_fc_0.weight" $EXAONE info $TMP/shape

# chat: help and flags, determinism, stop strings, context errors, UTF-8 streaming
expect_output "usage: exaone chat" $EXAONE chat --help
expect_exit 2 $EXAONE chat --bogus
expect_exit 2 $EXAONE chat -m $REF/exaone35 --kv q5
H=$REF/exaone4_hybrid
# Chat needs the real EXAONE tokenizer, which the reference copies from ../shared.
if [ -f $H/tokenizer.json ]; then
    $EXAONE chat -m $H -p "안녕하세요, EXAONE" --seed 7 -n 24 -t 2 > $TMP/a.txt 2>/dev/null
    $EXAONE chat -m $H -p "안녕하세요, EXAONE" --seed 7 -n 24 -t 2 > $TMP/b.txt 2>/dev/null
    $EXAONE chat -m $H -p "안녕하세요, EXAONE" --seed 8 -n 24 -t 2 > $TMP/c.txt 2>/dev/null
    if [ -s $TMP/a.txt ] && cmp -s $TMP/a.txt $TMP/b.txt; then _pass "same seed, same text"; else _fail "same seed, same text"; fi
    if ! cmp -s $TMP/a.txt $TMP/c.txt; then _pass "another seed, another text"; else _fail "another seed, another text"; fi
    if /usr/bin/python3 -c "import sys; open(sys.argv[1], 'rb').read().decode('utf-8')" $TMP/a.txt; then
        _pass "streamed output is valid UTF-8"; else _fail "streamed output is valid UTF-8"; fi
    $EXAONE chat -m $H -p "hello" --temp 0 -n 30 > $TMP/g.txt 2>/dev/null
    STOP=$(/usr/bin/python3 -c "import sys; t=open(sys.argv[1], encoding='utf-8').read(); print(t[len(t)//2:len(t)//2+3])" $TMP/g.txt)
    $EXAONE chat -m $H -p "hello" --temp 0 -n 30 --stop "$STOP" > $TMP/s.txt 2>/dev/null
    if /usr/bin/python3 -c "
import sys; g=open(sys.argv[1], encoding='utf-8').read(); s=open(sys.argv[2], encoding='utf-8').read().rstrip('\n')
sys.exit(0 if g.startswith(s) and sys.argv[3] not in s and len(s) < len(g) - 1 else 1)" $TMP/g.txt $TMP/s.txt "$STOP"; then
        _pass "--stop cuts the answer before the stop text"; else _fail "--stop cuts the answer before the stop text"; fi
    expect_stderr "generated" 0 $EXAONE chat -m $H -p "hello" --temp 0 -n 4
    expect_stderr "more than the context of 8" 1 $EXAONE chat -m $H -c 8 -p "a long prompt that needs more than eight tokens"
    expect_stderr "max_position_embeddings 128" 1 $EXAONE chat -m $H -c 4096 -p "hi"
    expect_output "" $EXAONE chat -m $TMP/h.q8_0.gguf -p "GGUF carries its tokenizer" -n 8 --temp 0

else
    skip "../shared/exaone is absent: chat tests need the EXAONE tokenizer"
fi
finish
