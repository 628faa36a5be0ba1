"""EXAONE-mini forward pass in PyTorch, written from the model description
(src/models/mini.h, mini_seq.h) and independent of the C code.

usage: /usr/bin/python3 tests/ref/mini_ref.py DIR
DIR holds config.json, model.safetensors (F32 or BF16) and input.json
{"tokens": [...], "segments": [...], "prefix": P, "image_start": S}.
Writes DIR/logits.f32: float32 little-endian [len(tokens), vocab_size].
"""
import json
import math
import struct
import sys

import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = bytearray(data[base + a:base + b])
        if info["dtype"] == "F32":
            t = torch.frombuffer(raw, dtype=torch.float32)
        elif info["dtype"] == "BF16":
            t = torch.frombuffer(raw, dtype=torch.bfloat16).float()
        else:
            raise ValueError(f"{name}: dtype {info['dtype']}")
        out[name] = t.reshape(info["shape"]).double()
    return out


def gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def norm(x, w, b, eps, rms):
    if rms:
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + eps) * w
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    y = (x - mu) / torch.sqrt(var + eps) * w
    return y + b if b is not None else y


def forward(cfg, w, tokens, segments, prefix, image_start):
    T = len(tokens)
    C, H = cfg["d_model"], cfg["n_heads"]
    hs = C // H
    gw, gh = cfg["grid_w"], cfg["grid_h"]
    eps, rms = cfg.get("norm_eps", 1e-5), cfg.get("rms_norm", 0)
    tok = torch.tensor(tokens)
    x = w["transformer.wte.weight"][tok] + w["transformer.wpe.weight"][:T]
    for t in range(T):
        i = t - image_start
        if image_start >= 0 and 0 <= i < gh * gw:
            x[t] += w["transformer.wpe_row.weight"][i // gw] + w["transformer.wpe_col.weight"][i % gw]
        if segments[t] >= 0:
            x[t] += w["transformer.wse.weight"][segments[t]]
    # prefix-LM: query i sees key j when j <= i or j < prefix
    i = torch.arange(T)[:, None]
    j = torch.arange(T)[None, :]
    allowed = (j <= i) | (j < prefix)
    g = lambda name: w.get(name)
    for l in range(cfg["n_layers"]):
        p = f"transformer.h.{l}."
        h = norm(x, w[p + "ln_1.weight"], g(p + "ln_1.bias"), eps, rms)
        qkv = []
        for k in ("q_proj", "k_proj", "v_proj"):
            y = h @ w[p + f"attn.attention.{k}.weight"].T
            if g(p + f"attn.attention.{k}.bias") is not None:
                y = y + w[p + f"attn.attention.{k}.bias"]
            qkv.append(y.reshape(T, H, hs).transpose(0, 1))
        q, k, v = qkv
        s = (q @ k.transpose(1, 2)) / math.sqrt(hs)
        s = s.masked_fill(~allowed, float("-inf"))
        a = torch.softmax(s, -1) @ v
        a = a.transpose(0, 1).reshape(T, C) @ w[p + "attn.attention.out_proj.weight"].T
        if g(p + "attn.attention.out_proj.bias") is not None:
            a = a + w[p + "attn.attention.out_proj.bias"]
        x = x + a
        h = norm(x, w[p + "ln_2.weight"], g(p + "ln_2.bias"), eps, rms)
        f = h @ w[p + "mlp.c_fc.weight"].T
        if g(p + "mlp.c_fc.bias") is not None:
            f = f + w[p + "mlp.c_fc.bias"]
        f = gelu_tanh(f) @ w[p + "mlp.c_proj.weight"].T
        if g(p + "mlp.c_proj.bias") is not None:
            f = f + w[p + "mlp.c_proj.bias"]
        x = x + f
    x = norm(x, w["transformer.ln_f.weight"], g("transformer.ln_f.bias"), eps, rms)
    head = w["transformer.wte.weight"] if cfg.get("tied", 1) else w["lm_head.weight"]
    return x @ head.T


def main():
    d = sys.argv[1]
    cfg = json.load(open(f"{d}/config.json"))
    w = read_safetensors(f"{d}/model.safetensors")
    inp = json.load(open(f"{d}/input.json"))
    logits = forward(cfg, w, inp["tokens"], inp["segments"], inp["prefix"], inp["image_start"])
    assert logits.shape == (len(inp["tokens"]), cfg["vocab_size"])
    with open(f"{d}/logits.f32", "wb") as f:
        f.write(logits.float().numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    main()
