"""Reference outputs for tests/unit/test_kernels.c (run: /usr/bin/python3 kernels_ref.py OUTDIR).

Independent of our C code: the GGUF block layouts (q8_0, q4_0, q4_K) and
ggml's quantization rules are re-implemented here in numpy from the spec
(ggml-quants.c, documented in src/core/dtype.h), products are done by torch
in float64 on the dequantized values, and ops by the torch functions HF
modules use. Every case writes its inputs and expected outputs as raw
little-endian files plus a line in OUTDIR/cases.txt:

  linear DTYPE M N K     lin_<id>_x.f32 [M,K], _w.bin (dtype rows), _wf.f32 (the f32 W the
                         q8_0/q4_0 bytes were quantized from), _y.f64 [M,N], _s.f64 [M,N]
                         (sum of |terms|, for the f32 rounding tolerance)
  gemm OP M N K          gemm_<id>_a.f32, _b.f32 (or _b.bf16), _c0.f32, _c.f64, _s.f64
                         (OP: nt nn tn bf16nt as_bf16_nt as_bf16_nn as_bf16_tn)
  op NAME ROWS N         op_<id>_x.f32 (+ _g.f32 / _w.f32 / _b.f32 / _pos.i32 / _inv.f32), _y.f32
"""
import os
import sys

import numpy as np
import torch

out = sys.argv[1]
rng = np.random.default_rng(1234)
lines = []
f32 = np.float32


def save(name, arr):
    arr.tofile(os.path.join(out, name))


def roundf(v):
    """C roundf (half away from zero), exact in float32."""
    t = np.trunc(v)
    return t + np.sign(v) * (np.abs(v - t) >= f32(0.5))


def safe_inv(d):
    inv = np.zeros_like(d)
    nz = d != 0
    inv[nz] = f32(1) / d[nz]
    return inv


def quant_q8_0(x):
    """ggml quantize_row_q8_0_ref: d = amax/127, q = round(x/d) (as x*(1/d)), d stored f16."""
    b = x.reshape(-1, 32).astype(f32)
    d = (np.abs(b).max(1) / f32(127)).astype(f32)
    q = roundf(b * safe_inv(d)[:, None]).astype(np.int8)
    raw = np.zeros((b.shape[0], 34), np.uint8)
    raw[:, 0:2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    raw[:, 2:] = q.view(np.uint8)
    deq = d.astype(np.float16).astype(np.float64)[:, None] * q.astype(np.float64)
    return raw.reshape(-1), deq.reshape(x.shape)


def quant_q4_0(x):
    """ggml quantize_row_q4_0_ref: d = max/-8 (max = signed value of largest |x|), q = min(15, x/d + 8.5)."""
    b = x.reshape(-1, 32).astype(f32)
    idx = np.abs(b).argmax(1)
    mx = b[np.arange(b.shape[0]), idx]
    d = (mx / f32(-8)).astype(f32)
    v = (b * safe_inv(d)[:, None]).astype(f32) + f32(8.5)
    q = np.minimum(f32(15), np.trunc(v)).astype(np.uint8)
    raw = np.zeros((b.shape[0], 18), np.uint8)
    raw[:, 0:2] = d.astype(np.float16).view(np.uint8).reshape(-1, 2)
    raw[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    deq = d.astype(np.float16).astype(np.float64)[:, None] * (q.astype(np.float64) - 8)
    return raw.reshape(-1), deq.reshape(x.shape)


def quant_q8_K(x):
    """Our q8_K rule (kernels.h): d = amax/127 in f32, q = round(x*(1/d))."""
    b = x.reshape(-1, 256).astype(f32)
    d = (np.abs(b).max(1) / f32(127)).astype(f32)
    q = roundf(b * safe_inv(d)[:, None])
    return (d.astype(np.float64)[:, None] * q).reshape(x.shape)


def random_q4_K(n_rows, k):
    """Random q4_K super-blocks {f16 d, f16 dmin, u8 scales[12], u8 qs[128]} and their values."""
    nb = n_rows * k // 256
    raw = np.zeros((nb, 144), np.uint8)
    d = rng.uniform(0.0005, 0.004, nb).astype(np.float16)
    dmin = rng.uniform(0.0005, 0.004, nb).astype(np.float16)
    raw[:, 0:2] = d.view(np.uint8).reshape(-1, 2)
    raw[:, 2:4] = dmin.view(np.uint8).reshape(-1, 2)
    raw[:, 4:16] = rng.integers(0, 256, (nb, 12), dtype=np.uint8)
    raw[:, 16:] = rng.integers(0, 256, (nb, 128), dtype=np.uint8)
    vals = np.zeros((nb, 256))
    for b in range(nb):
        sc_bytes = raw[b, 4:16].astype(np.int64)
        qs = raw[b, 16:].astype(np.int64)
        for s in range(8):
            if s < 4:
                sc, mn = sc_bytes[s] & 63, sc_bytes[s + 4] & 63
            else:
                sc = (sc_bytes[s + 4] & 0xF) | ((sc_bytes[s - 4] >> 6) << 4)
                mn = (sc_bytes[s + 4] >> 4) | ((sc_bytes[s] >> 6) << 4)
            chunk = qs[32 * (s // 2): 32 * (s // 2) + 32]
            q = (chunk >> 4) if s % 2 else (chunk & 0xF)
            vals[b, 32 * s: 32 * s + 32] = float(d[b]) * sc * q - float(dmin[b]) * mn
    return raw.reshape(-1), vals.reshape(n_rows, k)


def linear_case(dtype, m, n, k):
    cid = f"{dtype}_{m}_{n}_{k}"
    x = rng.standard_normal((m, k)).astype(f32)
    wf = (rng.standard_normal((n, k)) * 0.5).astype(f32)
    if dtype == "f32":
        raw, wd, xd = wf, wf.astype(np.float64), x.astype(np.float64)
    elif dtype == "f16":
        w16 = wf.astype(np.float16)
        raw, wd, xd = w16, w16.astype(np.float64), x.astype(np.float64)
    elif dtype == "bf16":
        wb = torch.from_numpy(wf).to(torch.bfloat16)
        raw = wb.view(torch.int16).numpy()
        wd = wb.double().numpy()
        xd = torch.from_numpy(x).to(torch.bfloat16).double().numpy()
    elif dtype == "q8_0":
        raw, wd = quant_q8_0(wf)
        _, xd = quant_q8_0(x)
    elif dtype == "q4_0":
        raw, wd = quant_q4_0(wf)
        _, xd = quant_q8_0(x)
    else:
        raw, wd = random_q4_K(n, k)
        xd = quant_q8_K(x)
    y = torch.from_numpy(xd) @ torch.from_numpy(wd).T
    s = torch.from_numpy(np.abs(xd)) @ torch.from_numpy(np.abs(wd)).T
    save(f"lin_{cid}_x.f32", x)
    save(f"lin_{cid}_wf.f32", wf)
    save(f"lin_{cid}_w.bin", raw)
    save(f"lin_{cid}_y.f64", y.numpy())
    save(f"lin_{cid}_s.f64", s.numpy())
    lines.append(f"linear {dtype} {m} {n} {k}")


for dtype in ["f32", "f16", "bf16"]:
    for m, n, k in [(1, 1, 37), (3, 5, 37), (1, 67, 1000), (7, 33, 129), (70, 45, 300), (2, 3, 1)]:
        linear_case(dtype, m, n, k)
for dtype in ["q8_0", "q4_0"]:
    for m, n, k in [(1, 1, 32), (3, 5, 96), (1, 67, 288), (7, 33, 160), (70, 45, 544), (1, 9, 4096), (3, 301, 64)]:
        linear_case(dtype, m, n, k)
for m, n, k in [(1, 3, 256), (5, 7, 512), (70, 9, 768), (1, 40, 1024)]:
    linear_case("q4_K", m, n, k)


def bf16_round(x):
    """f32 -> bf16 (nearest even) -> float64, through torch."""
    return torch.from_numpy(np.ascontiguousarray(x)).to(torch.bfloat16).double().numpy()


def gemm_case(op, m, n, k, rng=rng):
    """op: nt / nn / tn (f32), bf16nt (B stored in bf16), or as_bf16_nt / _nn / _tn
    (f32 operands that the kernel rounds to bf16: the reference rounds them too)."""
    cid = f"{op}_{m}_{n}_{k}"
    layout = op[-2:]
    c0 = rng.standard_normal((m, n)).astype(f32)
    if layout == "nt":
        a = rng.standard_normal((m, k)).astype(f32)
        b = rng.standard_normal((n, k)).astype(f32)
        ad, bd = a.astype(np.float64), b.astype(np.float64).T
        if op == "bf16nt":
            bb = torch.from_numpy(b).to(torch.bfloat16)
            save(f"gemm_{cid}_b.bf16", bb.view(torch.int16).numpy())
            ad = torch.from_numpy(a).to(torch.bfloat16).double().numpy()
            bd = bb.double().numpy().T
    elif layout == "nn":
        a = rng.standard_normal((m, k)).astype(f32)
        b = rng.standard_normal((k, n)).astype(f32)
        ad, bd = a.astype(np.float64), b.astype(np.float64)
    else:  # tn: A is [K,M]
        a = rng.standard_normal((k, m)).astype(f32)
        b = rng.standard_normal((k, n)).astype(f32)
        ad, bd = a.astype(np.float64).T, b.astype(np.float64)
    if op.startswith("as_bf16"):
        ad, bd = bf16_round(ad.astype(f32)), bf16_round(bd.astype(f32))
    c = c0.astype(np.float64) + (torch.from_numpy(np.ascontiguousarray(ad)) @ torch.from_numpy(np.ascontiguousarray(bd))).numpy()
    s = np.abs(c0.astype(np.float64)) + np.abs(ad) @ np.abs(bd)
    save(f"gemm_{cid}_a.f32", a)
    save(f"gemm_{cid}_b.f32", b)
    save(f"gemm_{cid}_c0.f32", c0)
    save(f"gemm_{cid}_c.f64", c)
    save(f"gemm_{cid}_s.f64", s)
    lines.append(f"gemm {op} {m} {n} {k}")


gemm_shapes = [(1, 1, 1), (3, 5, 37), (13, 33, 129), (250, 70, 800), (37, 3100, 20), (100, 64, 256), (600, 40, 50)]
for op in ["nt", "nn", "tn", "bf16nt"]:
    for m, n, k in gemm_shapes:
        gemm_case(op, m, n, k)
# A stream of their own, so the cases after these keep their inputs.
rng_as_bf16 = np.random.default_rng(7)
for op in ["as_bf16_nt", "as_bf16_nn", "as_bf16_tn"]:
    for m, n, k in gemm_shapes:
        gemm_case(op, m, n, k, rng_as_bf16)


def op_case(name, rows, n):
    cid = f"{name}_{rows}_{n}"
    x = (rng.standard_normal((rows, n)) * 3).astype(f32)
    tx = torch.from_numpy(x)
    F = torch.nn.functional
    if name == "softmax":
        x[0, ::3] = -np.inf
        if rows > 1:
            x[1, :] = -np.inf
        tx = torch.from_numpy(x)
        y = torch.softmax(tx, dim=-1).nan_to_num(0.0)
    elif name == "rmsnorm":
        w = rng.standard_normal(n).astype(f32)
        save(f"op_{cid}_w.f32", w)
        var = tx.pow(2).mean(-1, keepdim=True)
        y = tx * torch.rsqrt(var + 1e-5) * torch.from_numpy(w)
    elif name == "layernorm":
        w = rng.standard_normal(n).astype(f32)
        b = rng.standard_normal(n).astype(f32)
        save(f"op_{cid}_w.f32", w)
        save(f"op_{cid}_b.f32", b)
        y = F.layer_norm(tx, (n,), torch.from_numpy(w), torch.from_numpy(b), eps=1e-5)
    elif name == "rope":
        n_heads, head_dim = 3, n // 3
        pos = rng.integers(0, 5000, rows).astype(np.int32)
        inv = 1.0 / (10000.0 ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
        save(f"op_{cid}_pos.i32", pos)
        save(f"op_{cid}_inv.f32", inv.numpy())
        freqs = torch.from_numpy(pos).float()[:, None] * inv[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos()[:, None, :], emb.sin()[:, None, :]
        q = tx.view(rows, n_heads, head_dim)
        rot = torch.cat((-q[..., head_dim // 2:], q[..., : head_dim // 2]), dim=-1)
        y = (q * cos + rot * sin).reshape(rows, n)
    elif name == "silu":
        y = F.silu(tx)
    elif name == "gelu_tanh":
        y = F.gelu(tx, approximate="tanh")
    elif name == "gelu_erf":
        y = F.gelu(tx)
    elif name in ("swiglu", "add"):
        g = (rng.standard_normal((rows, n)) * 3).astype(f32)
        save(f"op_{cid}_g.f32", g)
        y = F.silu(torch.from_numpy(g)) * tx if name == "swiglu" else tx + torch.from_numpy(g)
    elif name == "scale":
        y = tx * 0.125
    save(f"op_{cid}_x.f32", x)
    save(f"op_{cid}_y.f32", y.numpy().astype(f32))
    lines.append(f"op {name} {rows} {n}")


for name in ["softmax", "rmsnorm", "layernorm", "silu", "gelu_tanh", "gelu_erf", "swiglu", "add", "scale"]:
    for rows, n in [(1, 1), (3, 37), (4, 1000)]:
        op_case(name, rows, n)
for rows, n in [(1, 6), (5, 3 * 64), (7, 3 * 128)]:
    op_case("rope", rows, n)

# prefill GEMM tiles (kernels: 4 x rows by 48 weight rows): row and column
# remainders of every size; drawn last so the cases above keep their values
for dtype in ["q8_0", "q4_0"]:
    linear_case(dtype, 19, 70, 64)
linear_case("q4_K", 19, 70, 512)

# inv_freq, for ops_rope_inv_freq: theta 1e6, head_dim 128
inv = 1.0 / (1e6 ** (torch.arange(0, 128, 2, dtype=torch.int64).float() / 128))
save("inv_freq_128.f32", inv.numpy())

with open(os.path.join(out, "cases.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
