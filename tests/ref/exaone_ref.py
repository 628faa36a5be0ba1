#!/usr/bin/python3
"""exaone_ref.py OUTDIR — independent PyTorch reference for the EXAONE text models.

Writes tiny random checkpoints of every variant (config.json + model.safetensors, plus
the shipped tokenizer files when ../shared/exaone is present) and, for a fixed 64-token
prompt, the reference logits and a greedy 32-token continuation.

The forward pass is written from the Hugging Face modelling code's description, in
float64, without KV cache (every greedy step recomputes the whole sequence):

  EXAONE 3.x (ExaoneForCausalLM): pre-norm RMSNorm blocks, GQA with RoPE (rotate_half),
    SwiGLU MLP (c_fc_0 gate, c_fc_1 up, c_proj down), ln_f, lm_head or tied wte.
  EXAONE 4.0 (Exaone4ForCausalLM): QK-norm (RMSNorm over head_dim, before RoPE), post-norm
    x = x + post_attention_layernorm(attn(x)); x = x + post_feedforward_layernorm(mlp(x)).
    Hybrid attention: sliding layers see keys k with q - W < k <= q and use RoPE; full
    layers use no RoPE when a sliding window is configured (RoPE everywhere when
    sliding_window is null).

Per variant OUTDIR/<name>/: config.json, model.safetensors, logits.f32 (64 x vocab,
little-endian float32), prompt.txt and greedy.txt (token ids, one line, spaces).
"""
import json
import math
import os
import shutil
import struct
import sys

import torch

VOCAB = 102400
PROMPT_LEN = 64
GREEDY_STEPS = 32


# ---------------------------------------------------------------- configuration
def rope_inv_freq(cfg, head_dim):
    theta = cfg["rope_theta"]
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    rs = cfg.get("rope_scaling")
    if rs and rs.get("rope_type", rs.get("type")) == "llama3":
        factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        lo_wl, hi_wl = old / lo, old / hi
        out = inv.clone()
        for i in range(len(inv)):
            if wavelen[i] < hi_wl:
                continue  # high frequency: unchanged
            if wavelen[i] > lo_wl:
                out[i] = inv[i] / factor
            else:
                s = (old / wavelen[i] - lo) / (hi - lo)
                out[i] = (1 - s) * inv[i] / factor + s * inv[i]
        inv = out
    return inv


def layer_kinds(cfg):
    """'sliding' or 'full' per layer (EXAONE 4.0 rules; 3.x is always full)."""
    n = cfg.get("num_hidden_layers", cfg.get("num_layers"))
    if cfg.get("model_type") != "exaone4" or cfg.get("sliding_window") is None:
        return ["full"] * n
    if cfg.get("layer_types"):
        return ["sliding" if t == "sliding_attention" else "full" for t in cfg["layer_types"]]
    p = cfg["sliding_window_pattern"]
    if isinstance(p, str):  # e.g. "LLLG"
        return ["sliding" if p[i % len(p)] == "L" else "full" for i in range(n)]
    return ["sliding" if (i + 1) % p != 0 else "full" for i in range(n)]


# ---------------------------------------------------------------- model
def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def mm(x, w, act):
    """x @ w.T as llama.cpp-style kernels compute it: with act="bf16" the activations are
    rounded to bf16 first (what a bf16 dot product instruction sees), with act="q8_0" each
    row is quantized to q8_0 blocks by ggml's rule (what q8_0/q4_0 dot products use)."""
    if act == "bf16":
        x = x.to(torch.float32).to(torch.bfloat16).to(torch.float64)
    elif act == "q8_0":
        x = ggml_q8_0(x)
    return x @ w.T


def forward(cfg, W, ids, act=None, kv=None, last_only=False):
    v4 = cfg["model_type"] == "exaone4"
    n_layers = cfg.get("num_hidden_layers", cfg.get("num_layers"))
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg["hidden_size"]
    hd = cfg.get("head_dim") or D // H
    eps = cfg.get("rms_norm_eps", cfg.get("layer_norm_epsilon"))
    T = len(ids)
    kinds = layer_kinds(cfg)
    win = cfg.get("sliding_window")
    pre = "model." if v4 else "transformer."

    inv = rope_inv_freq(cfg, hd)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    ang = torch.cat([ang, ang], dim=-1)
    cos, sin = ang.cos(), ang.sin()
    q_pos = torch.arange(T)[:, None]
    k_pos = torch.arange(T)[None, :]
    causal = k_pos <= q_pos

    emb = W[pre + ("embed_tokens.weight" if v4 else "wte.weight")]
    x = emb[torch.tensor(ids)]
    for i in range(n_layers):
        if v4:
            p = f"model.layers.{i}."
            a, names = p + "self_attn.", ("q_proj", "k_proj", "v_proj", "o_proj")
            h_in = x
        else:
            p = f"transformer.h.{i}."
            a, names = p + "attn.attention.", ("q_proj", "k_proj", "v_proj", "out_proj")
            h_in = rmsnorm(x, W[p + "ln_1.weight"], eps)
        q = mm(h_in, W[a + names[0] + ".weight"], act).view(T, H, hd).transpose(0, 1)
        k = mm(h_in, W[a + names[1] + ".weight"], act).view(T, KV, hd).transpose(0, 1)
        v = mm(h_in, W[a + names[2] + ".weight"], act).view(T, KV, hd).transpose(0, 1)
        if v4:
            q = rmsnorm(q, W[a + "q_norm.weight"], eps)
            k = rmsnorm(k, W[a + "k_norm.weight"], eps)
        if not v4 or win is None or kinds[i] == "sliding":
            q = q * cos + rotate_half(q) * sin
            k = k * cos + rotate_half(k) * sin
        if kv == "f16":  # what a KV cache in f16 / q8_0 hands back to attention
            k, v = f16(k), f16(v)
        elif kv == "q8_0":
            k, v = ggml_q8_0(k), ggml_q8_0(v)
        k = k.repeat_interleave(H // KV, dim=0)
        v = v.repeat_interleave(H // KV, dim=0)
        mask = causal
        if kinds[i] == "sliding":
            mask = causal & (k_pos > q_pos - win)
        s = (q @ k.transpose(1, 2)) / math.sqrt(hd)
        s = s.masked_fill(~mask, float("-inf")).softmax(-1)
        o = mm((s @ v).transpose(0, 1).reshape(T, H * hd), W[a + names[3] + ".weight"], act)
        if v4:
            x = x + rmsnorm(o, W[p + "post_attention_layernorm.weight"], eps)
            g = mm(x, W[p + "mlp.gate_proj.weight"], act)
            u = mm(x, W[p + "mlp.up_proj.weight"], act)
            m = mm(torch.nn.functional.silu(g) * u, W[p + "mlp.down_proj.weight"], act)
            x = x + rmsnorm(m, W[p + "post_feedforward_layernorm.weight"], eps)
        else:
            x = x + o
            h = rmsnorm(x, W[p + "ln_2.weight"], eps)
            g = mm(h, W[p + "mlp.c_fc_0.weight"], act)
            u = mm(h, W[p + "mlp.c_fc_1.weight"], act)
            x = x + mm(torch.nn.functional.silu(g) * u, W[p + "mlp.c_proj.weight"], act)
    x = rmsnorm(x, W[pre + ("norm.weight" if v4 else "ln_f.weight")], eps)
    head = emb if cfg["tie_word_embeddings"] else W["lm_head.weight"]
    return mm(x[-1:] if last_only else x, head, act)


# ---------------------------------------------------------------- checkpoints
def make_weights(cfg, gen):
    v4 = cfg["model_type"] == "exaone4"
    n_layers = cfg.get("num_hidden_layers", cfg.get("num_layers"))
    H, KV, D, F = (cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"],
                   cfg["intermediate_size"])
    hd = cfg.get("head_dim") or D // H
    V = cfg["vocab_size"]

    def lin(n, k):  # unit-variance outputs so the test sees real signal
        return torch.randn(n, k, generator=gen, dtype=torch.float64) / math.sqrt(k)

    def norm(n):
        return 1.0 + 0.2 * torch.randn(n, generator=gen, dtype=torch.float64)

    W = {}
    pre = "model." if v4 else "transformer."
    W[pre + ("embed_tokens.weight" if v4 else "wte.weight")] = torch.randn(V, D, generator=gen,
                                                                           dtype=torch.float64)
    for i in range(n_layers):
        if v4:
            p = f"model.layers.{i}."
            a = p + "self_attn."
            W[a + "q_proj.weight"], W[a + "k_proj.weight"] = lin(H * hd, D), lin(KV * hd, D)
            W[a + "v_proj.weight"], W[a + "o_proj.weight"] = lin(KV * hd, D), lin(D, H * hd)
            W[a + "q_norm.weight"], W[a + "k_norm.weight"] = norm(hd), norm(hd)
            W[p + "mlp.gate_proj.weight"], W[p + "mlp.up_proj.weight"] = lin(F, D), lin(F, D)
            W[p + "mlp.down_proj.weight"] = lin(D, F)
            W[p + "post_attention_layernorm.weight"] = norm(D)
            W[p + "post_feedforward_layernorm.weight"] = norm(D)
        else:
            p = f"transformer.h.{i}."
            a = p + "attn.attention."
            W[a + "q_proj.weight"], W[a + "k_proj.weight"] = lin(H * hd, D), lin(KV * hd, D)
            W[a + "v_proj.weight"], W[a + "out_proj.weight"] = lin(KV * hd, D), lin(D, H * hd)
            W[p + "ln_1.weight"], W[p + "ln_2.weight"] = norm(D), norm(D)
            W[p + "mlp.c_fc_0.weight"], W[p + "mlp.c_fc_1.weight"] = lin(F, D), lin(F, D)
            W[p + "mlp.c_proj.weight"] = lin(D, F)
    W[pre + ("norm.weight" if v4 else "ln_f.weight")] = norm(D)
    if not cfg["tie_word_embeddings"]:
        W["lm_head.weight"] = lin(V, D)
    return W


def save_safetensors(path, W, dtype):
    """By hand: u64 LE header length, JSON header padded to 8 bytes, raw little-endian data."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(W):
        t = W[name].to(torch.float32)
        if dtype == "BF16":
            raw = t.to(torch.bfloat16).view(torch.int16).numpy().tobytes()
        else:
            raw = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    hj = json.dumps(header).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for b in blobs:
            f.write(b)


def stored_values(W, dtype):
    """The weights exactly as the file holds them, widened to float64."""
    if dtype == "BF16":
        return {k: v.to(torch.float32).to(torch.bfloat16).to(torch.float64) for k, v in W.items()}
    return {k: v.to(torch.float32).to(torch.float64) for k, v in W.items()}


def f16(t):
    return t.to(torch.float32).to(torch.float16).to(torch.float64)


def ggml_q8_0(w):
    """ggml's q8_0 rule per block of 32, in float32 arithmetic like ggml's C (so rounding
    boundaries agree): d = amax / 127, q = round(x * (1 / d)) half away from zero."""
    b = w.to(torch.float32).reshape(-1, 32)
    d = b.abs().amax(dim=1, keepdim=True) / 127.0
    inv = torch.where(d > 0, 1.0 / d, torch.zeros_like(d))
    x = b * inv
    q = torch.sign(x) * torch.floor(x.abs() + 0.5)
    return (q.to(torch.float64) * f16(d)).reshape(w.shape)


def ggml_q4_0(w):
    """ggml's q4_0 rule per block of 32 (float32 arithmetic): d = (signed value of largest
    magnitude) / -8, q = min(15, trunc(x * (1 / d) + 8.5)), x = d * (q - 8)."""
    b = w.to(torch.float32).reshape(-1, 32)
    idx = b.abs().argmax(dim=1, keepdim=True)
    d = torch.gather(b, 1, idx) / -8.0
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    q = torch.clamp(torch.trunc(b * inv + 8.5), max=15)
    return ((q.to(torch.float64) - 8) * f16(d)).reshape(w.shape)


def quantized_values(W, rule):
    """What `exaone quantize` stores: matrices whose rows are whole blocks get the rule,
    norms stay f32."""
    return {k: rule(v) if v.dim() == 2 and v.shape[1] % 32 == 0 else v.to(torch.float32).to(torch.float64)
            for k, v in W.items()}


def base3(**kw):
    c = {"architectures": ["ExaoneForCausalLM"], "model_type": "exaone", "vocab_size": VOCAB,
         "hidden_size": 64, "intermediate_size": 96, "num_layers": 3, "num_attention_heads": 4,
         "num_key_value_heads": 2, "layer_norm_epsilon": 1e-5, "max_position_embeddings": 128,
         "activation_function": "silu", "bos_token_id": 1, "eos_token_id": 361, "pad_token_id": 0,
         "torch_dtype": "float32"}
    c.update(kw)
    return c


def base4(**kw):
    c = {"architectures": ["Exaone4ForCausalLM"], "model_type": "exaone4", "vocab_size": VOCAB,
         "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 4, "num_attention_heads": 4,
         "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-5, "max_position_embeddings": 128,
         "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 361, "pad_token_id": 0,
         "rope_theta": 1000000.0, "torch_dtype": "float32"}
    c.update(kw)
    return c


LLAMA3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 16}

VARIANTS = [
    # (name, config, safetensors dtype, tokenizer folder)
    ("exaone30", base3(rope_theta=500000.0, rope_scaling=None, tie_word_embeddings=False),
     "F32", "EXAONE-3.5-2.4B-Instruct"),
    ("exaone35", base3(rope_theta=1000000.0, rope_scaling=LLAMA3, tie_word_embeddings=True),
     "F32", "EXAONE-3.5-2.4B-Instruct"),
    # hybrid 3 sliding : 1 global, window 16 < 64-token prompt, pattern given only as a number
    ("exaone4_hybrid", base4(sliding_window=16, sliding_window_pattern=4, tie_word_embeddings=False,
                             rope_scaling=dict(LLAMA3, factor=16.0)), "F32", "EXAONE-4.0-1.2B"),
    # explicit layer_types (2 full, 2 sliding, in a different order) and head_dim 32 != hidden/heads
    ("exaone4_types", base4(sliding_window=7, sliding_window_pattern=None, tie_word_embeddings=True, head_dim=32,
                            layer_types=["sliding_attention", "full_attention", "sliding_attention",
                                         "full_attention"]), "F32", "EXAONE-4.0-1.2B"),
    # like EXAONE-4.0-1.2B: no sliding window, every layer full attention with RoPE
    ("exaone4_full", base4(sliding_window=None, sliding_window_pattern=None, tie_word_embeddings=True,
                           num_hidden_layers=2, layer_types=["full_attention"] * 2,
                           rope_scaling=dict(LLAMA3, factor=16.0)), "F32", "EXAONE-4.0-1.2B"),
    # bf16 storage of the hybrid model: the reference uses the bf16-rounded weights
    ("exaone4_bf16", base4(sliding_window=16, sliding_window_pattern=4, tie_word_embeddings=False,
                           torch_dtype="bfloat16"), "BF16", "EXAONE-4.0-1.2B"),
]


def shared_dir():
    env = os.environ.get("EXAONE_SHARED")
    for d in ([env] if env else []) + ["../shared/exaone", "shared/exaone"]:
        if d and os.path.exists(os.path.join(d, "README.md")):
            return d
    return None


def main():
    out = sys.argv[1]
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(1234)
    prompt = torch.randint(400, VOCAB, (PROMPT_LEN,), generator=gen).tolist()
    shared = shared_dir()
    for seed, (name, cfg, dtype, tok) in enumerate(VARIANTS):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        g = torch.Generator().manual_seed(100 + seed)
        W = make_weights(cfg, g)
        save_safetensors(os.path.join(d, "model.safetensors"), W, dtype)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump({k: v for k, v in cfg.items()}, f, indent=2)
        if shared and os.path.isdir(os.path.join(shared, tok)):
            for fn in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                       "chat_template.jinja", "generation_config.json"):
                src = os.path.join(shared, tok, fn)
                if os.path.exists(src):
                    shutil.copyfile(src, os.path.join(d, fn))
        Wv = stored_values(W, dtype)
        act = "bf16" if dtype == "BF16" else None
        with torch.no_grad():
            logits = forward(cfg, Wv, prompt, act)
            logits.to(torch.float32).numpy().tofile(os.path.join(d, "logits.f32"))
            if name == "exaone4_types":  # head_dim 32: the q8_0 block fits a head
                for kvname in ("f16", "q8_0"):
                    kl = forward(cfg, Wv, prompt, act, kvname)
                    kl.to(torch.float32).numpy().tofile(os.path.join(d, f"logits_kv_{kvname}.f32"))
            if name in ("exaone30", "exaone4_hybrid"):
                for qname, rule in (("q8_0", ggml_q8_0), ("q4_0", ggml_q4_0)):
                    ql = forward(cfg, quantized_values(W, rule), prompt, "q8_0")
                    ql.to(torch.float32).numpy().tofile(os.path.join(d, f"logits_{qname}.f32"))
            seq, gaps = list(prompt), []
            for _ in range(GREEDY_STEPS):
                last = forward(cfg, Wv, seq, act, last_only=True)[-1]
                top2 = torch.topk(last, 2).values
                gaps.append(float(top2[0] - top2[1]))
                seq.append(int(last.argmax()))
        with open(os.path.join(d, "prompt.txt"), "w") as f:
            f.write(" ".join(map(str, prompt)) + "\n")
        with open(os.path.join(d, "greedy.txt"), "w") as f:
            f.write(" ".join(map(str, seq[PROMPT_LEN:])) + "\n")
        print(f"{name}: {len(W)} tensors, min top-2 logit gap in greedy run {min(gaps):.2e}")


if __name__ == "__main__":
    main()
