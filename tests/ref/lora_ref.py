#!/usr/bin/python3
"""lora_ref.py OUTDIR — independent PyTorch reference for LoRA on the EXAONE models.

Per variant OUTDIR/<name>/: a tiny random base (config.json + model.safetensors, F32), a
PEFT-format adapter in adapter/ (adapter_config.json + adapter_model.safetensors with
base_model.model.<module>.lora_A/B.weight, random non-zero A and B), and:
  logits.f32    T x vocab logits of the base with the adapter merged the PEFT way,
                W' = W + (lora_alpha / r) * B @ A, through exaone_ref.forward (float64);
  tokens.txt    T token ids, then T targets (-1 = no loss: the "prompt" part);
  loss.txt      mean cross-entropy over the counted targets;
  grads.safetensors  d loss / d A and d loss / d B (torch autograd), under the adapter's names;
  merged.safetensors the merged weights W' of every adapted module (float32).
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exaone_ref as ex  # noqa: E402

V = 300
T = 12
R, ALPHA = 4, 8.0


def modules(cfg, layer, targets):
    if cfg["model_type"] == "exaone4":
        p = f"model.layers.{layer}."
        names = {"q_proj": "self_attn.q_proj", "k_proj": "self_attn.k_proj", "v_proj": "self_attn.v_proj",
                 "o_proj": "self_attn.o_proj", "gate_proj": "mlp.gate_proj", "up_proj": "mlp.up_proj",
                 "down_proj": "mlp.down_proj"}
    else:
        p = f"transformer.h.{layer}."
        names = {"q_proj": "attn.attention.q_proj", "k_proj": "attn.attention.k_proj",
                 "v_proj": "attn.attention.v_proj", "out_proj": "attn.attention.out_proj",
                 "c_fc_0": "mlp.c_fc_0", "c_fc_1": "mlp.c_fc_1", "c_proj": "mlp.c_proj"}
    return [p + names[t] for t in targets]


VARIANTS = [
    ("v3_llama3", ex.base3(vocab_size=V, eos_token_id=2, rope_theta=1000000.0, rope_scaling=ex.LLAMA3, tie_word_embeddings=True,
                           num_layers=2),
     ["q_proj", "v_proj", "out_proj", "c_fc_1", "c_proj"]),
    ("v4_full", ex.base4(vocab_size=V, eos_token_id=2, sliding_window=None, sliding_window_pattern=None, tie_word_embeddings=False,
                         num_hidden_layers=2, layer_types=["full_attention"] * 2),
     ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]),
    # hybrid: the window (16) covers the 12-token sequence; the global layer uses no RoPE
    ("v4_hybrid", ex.base4(vocab_size=V, eos_token_id=2, sliding_window=16, sliding_window_pattern=2, tie_word_embeddings=True,
                           num_hidden_layers=2),
     ["k_proj", "o_proj", "down_proj"]),
]


def main():
    out = sys.argv[1]
    torch.set_num_threads(1)
    for seed, (name, cfg, targets) in enumerate(VARIANTS):
        d = os.path.join(out, name)
        os.makedirs(os.path.join(d, "adapter"), exist_ok=True)
        g = torch.Generator().manual_seed(500 + seed)
        W = ex.make_weights(cfg, g)
        ex.save_safetensors(os.path.join(d, "model.safetensors"), W, "F32")
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        Wv = ex.stored_values(W, "F32")
        n_layers = cfg.get("num_hidden_layers", cfg.get("num_layers"))
        lora = {}
        for layer in range(n_layers):
            for mod in modules(cfg, layer, targets):
                w = Wv[mod + ".weight"]
                a = (torch.randn(R, w.shape[1], generator=g, dtype=torch.float64) / math.sqrt(w.shape[1]))
                b = 0.3 * torch.randn(w.shape[0], R, generator=g, dtype=torch.float64)
                lora[mod] = (a.to(torch.float32).to(torch.float64).requires_grad_(True),
                             b.to(torch.float32).to(torch.float64).requires_grad_(True))
        tensors = {}
        for mod, (a, b) in lora.items():
            tensors[f"base_model.model.{mod}.lora_A.weight"] = a.detach()
            tensors[f"base_model.model.{mod}.lora_B.weight"] = b.detach()
        ex.save_safetensors(os.path.join(d, "adapter", "adapter_model.safetensors"), tensors, "F32")
        with open(os.path.join(d, "adapter", "adapter_config.json"), "w") as f:
            json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": R, "lora_alpha": ALPHA,
                       "target_modules": targets, "lora_dropout": 0.0, "bias": "none", "use_rslora": False,
                       "fan_in_fan_out": False}, f, indent=2)

        ids = torch.randint(0, V, (T,), generator=g).tolist()
        tgt = [ids[i + 1] if 4 <= i < T - 1 else -1 for i in range(T)]  # loss on the "answer" only
        Wm = dict(Wv)
        for mod, (a, b) in lora.items():
            Wm[mod + ".weight"] = Wv[mod + ".weight"] + (ALPHA / R) * b @ a
        logits = ex.forward(cfg, Wm, ids)
        t = torch.tensor(tgt)
        loss = torch.nn.functional.cross_entropy(logits, t, ignore_index=-1)
        loss.backward()
        logits.detach().to(torch.float32).numpy().tofile(os.path.join(d, "logits.f32"))
        with open(os.path.join(d, "tokens.txt"), "w") as f:
            f.write(" ".join(map(str, ids)) + "\n" + " ".join(map(str, tgt)) + "\n")
        with open(os.path.join(d, "loss.txt"), "w") as f:
            f.write(repr(float(loss)) + "\n")
        grads = {}
        for mod, (a, b) in lora.items():
            grads[f"base_model.model.{mod}.lora_A.weight"] = a.grad
            grads[f"base_model.model.{mod}.lora_B.weight"] = b.grad
        ex.save_safetensors(os.path.join(d, "grads.safetensors"), grads, "F32")
        ex.save_safetensors(os.path.join(d, "merged.safetensors"),
                            {mod + ".weight": Wm[mod + ".weight"].detach() for mod in lora}, "F32")
        print(f"{name}: {len(lora)} adapted modules, loss {float(loss):.4f}")


if __name__ == "__main__":
    main()
