#!/usr/bin/env python3
"""Reference safetensors files written with PyTorch tensors, independent of our C
code. The `safetensors` Python package is not in Debian, so the format is
written by hand from the spec: u64 little-endian header length, the JSON
header (compact, space-padded to a multiple of 8 bytes as HF does), then the
tensors' bytes back to back.

    /usr/bin/python3 tests/ref/st_ref.py OUTDIR

OUTDIR/single.safetensors       tensors of every supported dtype, a scalar, an empty tensor
OUTDIR/single.json              name -> dtype, shape, values file (float64 raw, row-major)
OUTDIR/NAME.f64                 each tensor's values as float64
OUTDIR/sharded/                 model-0000{1,2}-of-00002.safetensors + index + config.json
"""
import json
import os
import struct
import sys

import torch

out = sys.argv[1]
os.makedirs(os.path.join(out, "sharded"), exist_ok=True)
torch.manual_seed(0)

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8"}


def raw_bytes(t):
    t = t.contiguous()
    if t.numel() == 0:
        return b""
    # bytes of the storage in native (little-endian) order, whatever the dtype
    return t.view(torch.uint8).numpy().tobytes() if t.dim() > 0 else t.reshape(1).view(torch.uint8).numpy().tobytes()


def write(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors:
        b = raw_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


tensors = [
    ("model.embed_tokens.weight", torch.randn(5, 4, dtype=torch.float32)),
    ("layer.f16", torch.randn(3, 2, 2).to(torch.float16)),
    ("layer.bf16", torch.randn(7).to(torch.bfloat16)),
    ("layer.f64", torch.randn(2, 3, dtype=torch.float64)),
    ("ids.i64", torch.tensor([[-(2**40), 1], [2, 2**62]], dtype=torch.int64)),
    ("ids.i32", torch.tensor([-2**31, 0, 2**31 - 1], dtype=torch.int32)),
    ("ids.i16", torch.tensor([[-32768, 7], [8, 32767]], dtype=torch.int16)),
    ("ids.i8", torch.tensor([-128, -1, 0, 127], dtype=torch.int8)),
    ("scalar", torch.tensor(2.5, dtype=torch.float32)),
    ("empty", torch.zeros(0, 3, dtype=torch.float32)),
    ("이름.한글", torch.arange(6, dtype=torch.float32).reshape(2, 3)),
]
write(os.path.join(out, "single.safetensors"), tensors, {"format": "pt", "note": "exaone ref"})
index = {}
for name, t in tensors:
    fname = name.replace("/", "_") + ".f64"
    values = t.to(torch.float64).reshape(-1)
    with open(os.path.join(out, fname), "wb") as f:
        f.write(values.numpy().tobytes())
    index[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "values": fname}
with open(os.path.join(out, "single.json"), "w") as f:
    json.dump(index, f, ensure_ascii=False, indent=1)

# Sharded checkpoint, as transformers' save_pretrained(max_shard_size=...) lays it out.
shard_a = [("model.layers.0.weight", torch.randn(4, 4)), ("model.norm.weight", torch.ones(4))]
shard_b = [("lm_head.weight", torch.randn(3, 4).to(torch.bfloat16))]
files = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
write(os.path.join(out, "sharded", files[0]), shard_a, {"format": "pt"})
write(os.path.join(out, "sharded", files[1]), shard_b, {"format": "pt"})
weight_map = {n: files[0] for n, _ in shard_a}
weight_map.update({n: files[1] for n, _ in shard_b})
total = sum(len(raw_bytes(t)) for _, t in shard_a + shard_b)
with open(os.path.join(out, "sharded", "model.safetensors.index.json"), "w") as f:
    json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
with open(os.path.join(out, "sharded", "config.json"), "w") as f:
    json.dump({"model_type": "exaone", "architectures": ["ExaoneForCausalLM"], "hidden_size": 4,
               "num_hidden_layers": 1, "vocab_size": 3}, f, indent=2)
for name, t in shard_a + shard_b:
    with open(os.path.join(out, "sharded", name + ".f64"), "wb") as f:
        f.write(t.to(torch.float64).reshape(-1).numpy().tobytes())
