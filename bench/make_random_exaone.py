#!/usr/bin/python3
"""make_random_exaone.py CONFIG_DIR OUTDIR [--as-exaone3] — a random model with the exact
shapes of a real EXAONE checkpoint (config.json from CONFIG_DIR, e.g.
../shared/exaone/EXAONE-4.0-1.2B), for speed measurements when the real weights are not at
hand. Weights bf16, std 0.02; tokenizer files are copied. Writes safetensors by hand (no
safetensors package needed).

--as-exaone3 rewrites a 4.0 config into the EXAONE 3.0/3.5 architecture ("exaone":
pre-norm blocks, no QK-norm, RoPE on every layer) with the same sizes, so both
architectures can be timed at one shape (no 3.5 checkpoint of 1.2B exists)."""
import json
import os
import shutil
import struct
import sys

import torch


def as_exaone3(c):
    """The 3.5 config keys (ExaoneConfig) for the sizes of a 4.0 config."""
    keep = ("hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads", "head_dim",
            "vocab_size", "max_position_embeddings", "rope_theta", "rope_scaling", "tie_word_embeddings",
            "bos_token_id", "eos_token_id", "pad_token_id")
    out = {k: c[k] for k in keep if k in c}
    out.update({"architectures": ["ExaoneForCausalLM"], "model_type": "exaone", "activation_function": "silu",
                "num_layers": c["num_hidden_layers"], "layer_norm_epsilon": c["rms_norm_eps"]})
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit("usage: make_random_exaone.py CONFIG_DIR OUTDIR [--as-exaone3]")
    src, out = args
    cfg = json.load(open(os.path.join(src, "config.json")))
    cfg.pop("quantization_config", None)  # random weights are plain bf16
    if "--as-exaone3" in sys.argv:
        cfg = as_exaone3(cfg)
    os.makedirs(out, exist_ok=True)
    v4 = cfg["model_type"] == "exaone4"
    L = cfg.get("num_hidden_layers", cfg.get("num_layers"))
    D, F, H, KV = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or D // H
    V = cfg["vocab_size"]
    shapes = {}
    pre = "model." if v4 else "transformer."
    shapes[pre + ("embed_tokens.weight" if v4 else "wte.weight")] = (V, D)
    for i in range(L):
        if v4:
            p, a = f"model.layers.{i}.", f"model.layers.{i}.self_attn."
            names = {"q_proj": (H * hd, D), "k_proj": (KV * hd, D), "v_proj": (KV * hd, D), "o_proj": (D, H * hd)}
            for k, s in names.items():
                shapes[a + k + ".weight"] = s
            shapes[a + "q_norm.weight"] = (hd,)
            shapes[a + "k_norm.weight"] = (hd,)
            for k, s in {"gate_proj": (F, D), "up_proj": (F, D), "down_proj": (D, F)}.items():
                shapes[p + "mlp." + k + ".weight"] = s
            shapes[p + "post_attention_layernorm.weight"] = (D,)
            shapes[p + "post_feedforward_layernorm.weight"] = (D,)
        else:
            p, a = f"transformer.h.{i}.", f"transformer.h.{i}.attn.attention."
            for k, s in {"q_proj": (H * hd, D), "k_proj": (KV * hd, D), "v_proj": (KV * hd, D),
                         "out_proj": (D, H * hd)}.items():
                shapes[a + k + ".weight"] = s
            for k, s in {"c_fc_0": (F, D), "c_fc_1": (F, D), "c_proj": (D, F)}.items():
                shapes[p + "mlp." + k + ".weight"] = s
            shapes[p + "ln_1.weight"] = (D,)
            shapes[p + "ln_2.weight"] = (D,)
    shapes[pre + ("norm.weight" if v4 else "ln_f.weight")] = (D,)
    if not cfg.get("tie_word_embeddings", False):
        shapes["lm_head.weight"] = (V, D)
    header, off = {"__metadata__": {"format": "pt"}}, 0
    for name in sorted(shapes):
        n = 1
        for s in shapes[name]:
            n *= s
        header[name] = {"dtype": "BF16", "shape": list(shapes[name]), "data_offsets": [off, off + 2 * n]}
        off += 2 * n
    hj = json.dumps(header).encode()
    hj += b" " * ((8 - len(hj) % 8) % 8)
    g = torch.Generator().manual_seed(0)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hj)))
        f.write(hj)
        for name in sorted(shapes):
            s = shapes[name]
            t = 1.0 + 0.02 * torch.randn(s, generator=g) if len(s) == 1 else 0.02 * torch.randn(s, generator=g)
            f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
    json.dump(cfg, open(os.path.join(out, "config.json"), "w"), indent=2)
    for fn in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja",
               "generation_config.json"):
        if os.path.exists(os.path.join(src, fn)):
            shutil.copyfile(os.path.join(src, fn), os.path.join(out, fn))
    print(f"{out}: {len(shapes)} tensors, {off / 2**30:.2f} GiB")


if __name__ == "__main__":
    main()
