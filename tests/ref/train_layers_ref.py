"""train_layers_ref.py OUTDIR — PyTorch forward + autograd for each training layer.

For every layer of src/train/ writes OUTDIR/<layer>.bin (refio.py format) with random
inputs and weights, a random upstream gradient "dout", torch's output "out" and the
gradients "d<input>". tests/unit/test_train_layers.c runs our float layers on the same
data and compares (relative error <= 1e-4). Written from the papers / torch docs, not
from our C code.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refio import write_tensors  # noqa: E402

torch.manual_seed(7)
torch.set_num_threads(1)
OUT = sys.argv[1]
B, T, C, NH = 2, 24, 256, 4  # head size 64: the AVX-512 attention path
CN = 100  # norm width: not a multiple of 16, so vector tails are exercised
N, HS = B * T, C // NH


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


def save(name, inputs, out, extra=None):
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    t = {k: v.detach() for k, v in inputs.items()}
    t.update({"d" + k: v.grad for k, v in inputs.items() if v.requires_grad})
    t["out"], t["dout"] = out.detach(), dout
    t.update(extra or {})
    write_tensors(os.path.join(OUT, name + ".bin"), t)


x, w, b = (torch.randn(N, CN) * 2 + 3).requires_grad_(True), leaf(CN), leaf(CN)  # mean far from 0
save("layernorm", dict(inp=x, w=w, b=b), F.layer_norm(x, (CN,), w, b, 1e-5))

x, w = leaf(N, CN, scale=2.0), leaf(CN)
save("rmsnorm", dict(inp=x, w=w), x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w)

x, w, b = leaf(N, C), leaf(80, C, scale=0.1), leaf(80)
save("linear", dict(inp=x, w=w, bias=b), F.linear(x, w, b))


def attention(qkv, prefix, nkv=NH):
    """Grouped-query when nkv < NH: query head h uses kv head h // (NH // nkv)."""
    q, k, v = qkv.split([C, nkv * HS, nkv * HS], -1)
    q = q.reshape(B, T, NH, HS).transpose(1, 2)
    k, v = (t.reshape(B, T, nkv, HS).transpose(1, 2).repeat_interleave(NH // nkv, dim=1) for t in (k, v))
    s = q @ k.transpose(-1, -2) / math.sqrt(HS)
    i, j = torch.arange(T)[:, None], torch.arange(T)[None, :]
    allowed = (j <= i)[None].expand(B, T, T)
    if prefix is not None:
        allowed = allowed | (j[None] < prefix[:, None, None])
    s = s.masked_fill(~allowed[:, None], float("-inf"))
    return (F.softmax(s, -1) @ v).transpose(1, 2).reshape(B, T, C)


heads = torch.tensor([NH, NH, HS], dtype=torch.int32)
qkv = leaf(B, T, 3 * C)
save("attention_causal", dict(qkv=qkv), attention(qkv, None), dict(heads=heads))
qkv = leaf(B, T, 3 * C)
prefix = torch.tensor([9, 0], dtype=torch.int32)
save("attention_prefix", dict(qkv=qkv), attention(qkv, prefix), dict(prefix=prefix, heads=heads))
qkv = leaf(B, T, C + 2 * HS)  # one kv head shared by all 4 query heads
prefix = torch.tensor([0, 13], dtype=torch.int32)
save("attention_gqa", dict(qkv=qkv), attention(qkv, prefix, 1),
     dict(prefix=prefix, heads=torch.tensor([NH, 1, HS], dtype=torch.int32)))

x = leaf(B, T, NH, HS)
inv = 10000.0 ** (-torch.arange(0, HS, 2, dtype=torch.float64) / HS)
ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None]
cos = torch.cat([ang.cos(), ang.cos()], -1).float()[None, :, None]
sin = torch.cat([ang.sin(), ang.sin()], -1).float()[None, :, None]
rot = torch.cat([-x[..., HS // 2:], x[..., :HS // 2]], -1)
save("rope", dict(x=x), x * cos + rot * sin)

x = leaf(N, 301, scale=2.0)
save("gelu", dict(inp=x), F.gelu(x, approximate="tanh"))

x = leaf(N, 2 * 150, scale=2.0)
gate, up = x.split(150, -1)
save("swiglu", dict(inp=x), F.silu(gate) * up)

V = 1000
logits = leaf(N, V, scale=3.0)
targets = torch.randint(0, V, (N,))
targets[::5] = -100
loss = F.cross_entropy(logits, targets, ignore_index=-100, label_smoothing=0.1)
loss.backward()
write_tensors(os.path.join(OUT, "crossentropy.bin"),
              dict(logits=logits.detach(), targets=targets.int(), loss=loss.detach().reshape(1), dlogits=logits.grad))

table = leaf(50, C)
ids = torch.randint(0, 50, (N,))
save("embedding", dict(table=table), table[ids], dict(ids=ids.int()))
