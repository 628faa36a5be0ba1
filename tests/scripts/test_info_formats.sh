# `exaone info PATH` on model files written by other tools: GGUF by llama.cpp's
# gguf-py (tests/fixtures/gguf/), safetensors by PyTorch (tests/ref/st_ref.py).
# Expected numbers come from the shapes those scripts wrote.
source tests/scripts/lib.sh
fx=tests/fixtures/gguf
expect_output "format           gguf v3 (alignment 32" $EXAONE info $fx/tensors.gguf
expect_output "architecture     exaone" $EXAONE info $fx/tensors.gguf
expect_output "context length   2048" $EXAONE info $fx/tensors.gguf
expect_output "tensors          6" $EXAONE info $fx/tensors.gguf
# 4x8 + 3x32 + 4x64 + 4x64 + 5 + 6
expect_output "parameters       651" $EXAONE info $fx/tensors.gguf
expect_output "f32:2 f16:1 q4_0:1 q8_0:1 i8:1" $EXAONE info $fx/tensors.gguf
expect_output "size             1440 bytes" $EXAONE info $fx/tensors.gguf
expect_output "alignment 64" $EXAONE info $fx/align64.gguf
expect_output "vocab            5" $EXAONE info $fx/types.gguf
expect_output "test.u64                                 18446744073709551615" $EXAONE info $fx/types.gguf
expect_output "test.string                              \"EXAONE 한국어 text\"" $EXAONE info $fx/types.gguf

ref=build/ref/st_ref
if [ ! -f $ref/.done ]; then
    mkdir -p $ref && /usr/bin/python3 tests/ref/st_ref.py $ref && touch $ref/.done
fi
if [ -f $ref/.done ]; then
    expect_output "format           safetensors" $EXAONE info $ref/single.safetensors
    expect_output "tensors          11" $EXAONE info $ref/single.safetensors
    expect_output "F32:4 F16:1 I8:1 I16:1 I32:1 I64:1 F64:1 BF16:1" $EXAONE info $ref/single.safetensors
    expect_output "metadata.format  pt" $EXAONE info $ref/single.safetensors
    expect_output "safetensors (2 shards)" $EXAONE info $ref/sharded
    # 4x4 + 4 + 3x4
    expect_output "parameters       32" $EXAONE info $ref/sharded
    expect_output "model_type       \"exaone\"" $EXAONE info $ref/sharded
    expect_output "architectures    [\"ExaoneForCausalLM\"]" $EXAONE info $ref/sharded/model.safetensors.index.json
else
    skip "safetensors reference (tests/ref/st_ref.py failed)"
fi
expect_stderr "no such file or folder" 1 $EXAONE info tests/does-not-exist.gguf
mkdir -p "$TMP/empty"
expect_stderr "$TMP/empty: no model.safetensors" 1 $EXAONE info "$TMP/empty"
expect_output "usage: exaone info" $EXAONE info --help
finish
