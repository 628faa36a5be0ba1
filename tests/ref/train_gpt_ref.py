"""train_gpt_ref.py OUTDIR — PyTorch reference for the C trainer (llm.c's train_gpt2.py idea).

Builds small decoder-only transformers in plain torch (functional code written from the
papers, independent of src/train/), trains each for 20 AdamW steps on one fixed batch and
writes OUTDIR/<name>.bin (refio.py format) holding: the config, the hyper-parameters, the
initial weights under their HF names, the batch, the step-0 logits / loss / gradients and
the loss of every step. The C test loads the same init and must reproduce all of it.
Each model is trained twice: in f32 (<name>.bin) and with bf16 matmuls (<name>_bf16.bin,
see Bf16Linear; it also holds the f32 run's losses and those of torch's own autocast-bf16
run of the model).
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refio import write_tensors  # noqa: E402

torch.set_num_threads(1)

CONFIGS = {
    # GPT-2 flavour: LayerNorm, GELU(tanh), learned positions, tied, biases, causal.
    "gpt2like": dict(vocab=96, d_model=32, n_layers=2, n_heads=4, ffn=128, max_seq=16, norm="layer", mlp="gelu",
                     pos="learned", tied=1, bias=1, grid_h=0, grid_w=0, decay_embeddings=0, B=4, T=16, accum=1,
                     smoothing=0.0, prefix=False, n_segments=0, n_kv_heads=4),
    # EXAONE-mini flavour: RMSNorm, SwiGLU, RoPE, untied, no biases, prefix-LM masks, 2-D image
    # positions, segment embeddings, grouped-query attention (1 kv head), label smoothing,
    # ignored targets, decayed embeddings, 2 micro-batches.
    "exaonelike": dict(vocab=80, d_model=32, n_layers=2, n_heads=2, ffn=64, max_seq=24, norm="rms", mlp="swiglu",
                       pos="rope", tied=0, bias=0, grid_h=2, grid_w=3, decay_embeddings=1, B=3, T=12, accum=2,
                       smoothing=0.1, prefix=True, n_segments=3, n_kv_heads=1),
}
HP = dict(lr=1e-2, min_lr=1e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, grad_clip=1.0,
          rope_theta=10000.0, norm_eps=1e-5, steps=20, warmup=5)


def param_specs(c):
    """(name, shape) of every tensor, HF EXAONE 3.x names."""
    C, Fh, specs = c["d_model"], c["ffn"], []
    specs.append(("transformer.wte.weight", (c["vocab"], C)))
    if c["pos"] == "learned":
        specs.append(("transformer.wpe.weight", (c["max_seq"], C)))
    if c["grid_h"]:
        specs += [("transformer.wpe_row.weight", (c["grid_h"], C)), ("transformer.wpe_col.weight", (c["grid_w"], C))]
    if c["n_segments"]:
        specs.append(("transformer.wse.weight", (c["n_segments"], C)))
    for i in range(c["n_layers"]):
        h = "transformer.h.%d." % i
        for ln in ("ln_1", "ln_2"):
            specs.append((h + ln + ".weight", (C,)))
            if c["norm"] == "layer":
                specs.append((h + ln + ".bias", (C,)))
        KVC = c["n_kv_heads"] * (C // c["n_heads"])
        for p, rows in (("q_proj", C), ("k_proj", KVC), ("v_proj", KVC), ("out_proj", C)):
            specs.append((h + "attn.attention." + p + ".weight", (rows, C)))
            if c["bias"]:
                specs.append((h + "attn.attention." + p + ".bias", (rows,)))
        fcs = ["c_fc_0", "c_fc_1"] if c["mlp"] == "swiglu" else ["c_fc"]
        for p in fcs:
            specs.append((h + "mlp." + p + ".weight", (Fh, C)))
            if c["bias"]:
                specs.append((h + "mlp." + p + ".bias", (Fh,)))
        specs.append((h + "mlp.c_proj.weight", (C, Fh)))
        if c["bias"]:
            specs.append((h + "mlp.c_proj.bias", (C,)))
    specs.append(("transformer.ln_f.weight", (C,)))
    if c["norm"] == "layer":
        specs.append(("transformer.ln_f.bias", (C,)))
    if not c["tied"]:
        specs.append(("lm_head.weight", (c["vocab"], C)))
    return specs


def init_params(c, gen):
    params = {}
    for name, shape in param_specs(c):
        if name.endswith(".bias"):
            t = torch.randn(shape, generator=gen) * 0.05  # nonzero, so bias gradients matter
        elif ".ln_" in name or "ln_f" in name:
            t = 1.0 + 0.1 * torch.randn(shape, generator=gen)
        else:
            t = torch.randn(shape, generator=gen) * 0.1
        params[name] = t.requires_grad_(True)
    return params


def norm(c, x, w, b):
    if c["norm"] == "layer":
        return F.layer_norm(x, (x.shape[-1],), w, b, HP["norm_eps"])
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + HP["norm_eps"]) * w


def rope(x, T):
    # x [B, NH, T, hs]; HF rotate_half convention.
    hs = x.shape[-1]
    inv = HP["rope_theta"] ** (-torch.arange(0, hs, 2, dtype=torch.float64) / hs)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv[None, :]
    cos = torch.cat([ang.cos(), ang.cos()], -1).float()
    sin = torch.cat([ang.sin(), ang.sin()], -1).float()
    x1, x2 = x[..., : hs // 2], x[..., hs // 2:]
    return x * cos + torch.cat([-x2, x1], -1) * sin


def bf16(x):
    return x.to(torch.bfloat16).float()


class Bf16Linear(torch.autograd.Function):
    """x·wᵀ (+ b) with both operands rounded to bf16 and f32 sums, in the forward and in
    both backward products (whose dout is rounded too): the arithmetic of the C trainer
    with bf16 = 1 (vdpbf16ps; a product of two bf16 is exact in f32, so only the order of
    the f32 sums differs). Weights, biases and their gradients stay f32."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        y = bf16(x) @ bf16(w).t()
        return y + b if b is not None else y

    @staticmethod
    def backward(ctx, dy):
        x, w = ctx.saved_tensors
        d = bf16(dy)
        dx = d @ bf16(w)
        dw = d.reshape(-1, d.shape[-1]).t() @ bf16(x).reshape(-1, x.shape[-1])
        db = dy.reshape(-1, dy.shape[-1]).sum(0) if ctx.has_bias else None
        return dx, dw, db


def bf16_linear(x, w, b=None):
    return Bf16Linear.apply(x, w, b)


def forward(c, P, tokens, prefix, image_start, segments=None, linear=F.linear):
    """linear: F.linear (f32), or bf16_linear for the mixed-precision runs."""
    B, T = tokens.shape
    C, NH = c["d_model"], c["n_heads"]
    hs = C // NH
    x = P["transformer.wte.weight"][tokens]
    if c["pos"] == "learned":
        x = x + P["transformer.wpe.weight"][:T][None]
    if c["grid_h"]:
        for b in range(B):
            for t in range(T):
                i = t - int(image_start[b])
                if image_start[b] >= 0 and 0 <= i < c["grid_h"] * c["grid_w"]:
                    x[b, t] = x[b, t] + P["transformer.wpe_row.weight"][i // c["grid_w"]] + \
                        P["transformer.wpe_col.weight"][i % c["grid_w"]]
    if segments is not None:  # -1: no segment row
        table = torch.cat([P["transformer.wse.weight"], torch.zeros(1, C)])
        x = x + table[segments.clamp(min=-1) % (c["n_segments"] + 1)]
    qi = torch.arange(T)[:, None]
    kj = torch.arange(T)[None, :]
    allowed = (kj <= qi)[None].expand(B, T, T).clone()
    if prefix is not None:
        allowed |= kj[None] < prefix[:, None, None]
    for i in range(c["n_layers"]):
        h = "transformer.h.%d." % i
        g = lambda n: P.get(h + n)  # noqa: E731
        a = norm(c, x, g("ln_1.weight"), g("ln_1.bias"))
        q, k, v = (linear(a, g("attn.attention.%s.weight" % p), g("attn.attention.%s.bias" % p))
                   .view(B, T, -1, hs).transpose(1, 2) for p in ("q_proj", "k_proj", "v_proj"))
        if c["pos"] == "rope":
            q, k = rope(q, T), rope(k, T)
        group = NH // c["n_kv_heads"]  # grouped-query: each kv head serves `group` query heads
        k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        s = s.masked_fill(~allowed[:, None], float("-inf"))
        y = (F.softmax(s, -1) @ v).transpose(1, 2).reshape(B, T, C)
        x = x + linear(y, g("attn.attention.out_proj.weight"), g("attn.attention.out_proj.bias"))
        a = norm(c, x, g("ln_2.weight"), g("ln_2.bias"))
        if c["mlp"] == "swiglu":
            u = F.silu(linear(a, g("mlp.c_fc_0.weight"), g("mlp.c_fc_0.bias"))) * \
                linear(a, g("mlp.c_fc_1.weight"), g("mlp.c_fc_1.bias"))
        else:
            u = F.gelu(linear(a, g("mlp.c_fc.weight"), g("mlp.c_fc.bias")), approximate="tanh")
        x = x + linear(u, g("mlp.c_proj.weight"), g("mlp.c_proj.bias"))
    x = norm(c, x, P["transformer.ln_f.weight"], P.get("transformer.ln_f.bias"))
    head = P["transformer.wte.weight"] if c["tied"] else P["lm_head.weight"]
    return linear(x, head)


def lr_at(step):
    if step < HP["warmup"]:
        return HP["lr"] * (step + 1) / HP["warmup"]
    p = min(1.0, (step - HP["warmup"]) / (HP["steps"] - HP["warmup"]))
    return HP["min_lr"] + (HP["lr"] - HP["min_lr"]) * 0.5 * (1 + math.cos(math.pi * p))


def run(name, c, outdir, precision="f32", f32_losses=None):
    """precision: "f32", "bf16" (bf16_linear, the C trainer's bf16 = 1) or "autocast" (torch's
    own CPU autocast to bf16: outputs rounded too, attention products in bf16 as well; only
    its losses are kept, as a yardstick in the C test's report)."""
    gen = torch.Generator().manual_seed(1234 + len(name))
    P = init_params(c, gen)
    init = {"param/" + k: v.detach().clone() for k, v in P.items()}
    A, B, T, V = c["accum"], c["B"], c["T"], c["vocab"]
    tokens = torch.randint(0, V, (A, B, T), generator=gen)
    targets = torch.randint(0, V, (A, B, T), generator=gen)
    if c["smoothing"] > 0:
        targets[:, :, :2] = -100  # e.g. no loss on a prompt
    prefix = torch.randint(0, T + 1, (A, B), generator=gen) if c["prefix"] else None
    image_start = torch.randint(-1, T - 3, (A, B), generator=gen) if c["grid_h"] else None
    segments = torch.randint(-1, c["n_segments"], (A, B, T), generator=gen) if c["n_segments"] else None

    def is_decayed(n, p):
        if p.ndim < 2:
            return False
        embedding = n.startswith("transformer.wte") or n.startswith("transformer.wpe") or n == "lm_head.weight"
        return not embedding or bool(c["decay_embeddings"])

    groups = [{"params": [p for n, p in P.items() if is_decayed(n, p)], "weight_decay": HP["weight_decay"]},
              {"params": [p for n, p in P.items() if not is_decayed(n, p)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=HP["lr"], betas=(HP["beta1"], HP["beta2"]), eps=HP["eps"])
    losses, out = [], {}
    for step in range(HP["steps"]):
        opt.zero_grad()
        total = 0.0
        for a in range(A):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "autocast"):
                logits = forward(c, P, tokens[a], prefix[a] if prefix is not None else None,
                                 image_start[a] if image_start is not None else None,
                                 segments[a] if segments is not None else None,
                                 bf16_linear if precision == "bf16" else F.linear).float()
            loss = F.cross_entropy(logits.view(-1, V), targets[a].reshape(-1), ignore_index=-100,
                                   label_smoothing=c["smoothing"])
            (loss / A).backward()
            total += loss.item() / A
            if step == 0 and a == 0:
                out["logits"] = logits.detach().reshape(B * T, V)
        if step == 0:
            out["loss0"] = torch.tensor([total])
            for n, p in P.items():
                out["grad/" + n] = p.grad.detach().clone()
        norm_before = torch.nn.utils.clip_grad_norm_(list(P.values()), HP["grad_clip"])
        if step == 0:
            out["grad_norm0"] = torch.tensor([float(norm_before)])
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        opt.step()
        losses.append(total)
    cfg = [c["vocab"], c["d_model"], c["n_layers"], c["n_heads"], c["ffn"], c["max_seq"],
           1 if c["norm"] == "rms" else 0, 1 if c["mlp"] == "swiglu" else 0, 1 if c["pos"] == "rope" else 0,
           c["tied"], c["bias"], c["grid_h"], c["grid_w"], c["decay_embeddings"], B, T, A, HP["steps"],
           HP["warmup"], c["n_segments"], c["n_kv_heads"]]
    hp = [HP["lr"], HP["min_lr"], HP["beta1"], HP["beta2"], HP["eps"], HP["weight_decay"], HP["grad_clip"],
          HP["rope_theta"], HP["norm_eps"], c["smoothing"]]
    tensors = {"config": torch.tensor(cfg, dtype=torch.int32), "hparams": torch.tensor(hp)}
    tensors.update(init)
    tensors["tokens"] = tokens.int()
    tensors["targets"] = targets.int()
    if prefix is not None:
        tensors["prefix"] = prefix.int()
    if image_start is not None:
        tensors["image_start"] = image_start.int()
    if segments is not None:
        tensors["segments"] = segments.int()
    tensors.update(out)
    tensors["losses"] = torch.tensor(losses)
    if precision == "autocast":
        return losses
    if precision == "bf16":
        tensors["losses_autocast"] = torch.tensor(run(name, c, outdir, "autocast"))
        tensors["losses_f32"] = torch.tensor(f32_losses)
        name += "_bf16"
    write_tensors(os.path.join(outdir, name + ".bin"), tensors)
    print(name, "losses", " ".join("%.4f" % l for l in losses))
    return losses


if __name__ == "__main__":
    for cname, cfg in CONFIGS.items():
        run(cname, cfg, sys.argv[1], "bf16", run(cname, cfg, sys.argv[1]))
