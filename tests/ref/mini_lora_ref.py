#!/usr/bin/python3
"""mini_lora_ref.py BASE_DIR IO_DIR — independent PyTorch reference for LoRA on EXAONE-mini.

BASE_DIR: an EXAONE-mini folder (config.json + model.safetensors). IO_DIR/input.json:
{"tokens", "segments", "targets" (-100 = no loss), "prefix", "image_start"}.
Writes into IO_DIR:
  adapter/           a PEFT adapter (adapter_config.json + adapter_model.safetensors):
                     random non-zero A [r, in] and B [out, r] on TARGETS of every layer, under
                     base_model.model.transformer.h.<l>.<module>.lora_A/B.weight
  logits.f32         the logits of the base with the adapter merged the PEFT way,
                     W' = W + (lora_alpha / r) * B @ A, through mini_ref.forward (float64)
  loss.txt           mean cross-entropy over the counted targets
  grads.safetensors  d loss / d A and d loss / d B (torch autograd) under the adapter's names
  merged.safetensors W' of every adapted module (float32)
"""
import json
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import exaone_ref as ex  # noqa: E402
import mini_ref  # noqa: E402

R, ALPHA = 4, 8.0
TARGETS = {"q_proj": "attn.attention.q_proj", "k_proj": "attn.attention.k_proj", "v_proj": "attn.attention.v_proj",
           "out_proj": "attn.attention.out_proj", "c_fc": "mlp.c_fc", "c_proj": "mlp.c_proj"}


def main():
    base, io = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(base, "config.json")))
    w = mini_ref.read_safetensors(os.path.join(base, "model.safetensors"))
    inp = json.load(open(os.path.join(io, "input.json")))
    g = torch.Generator().manual_seed(1234)
    lora = {}
    for layer in range(cfg["n_layers"]):
        for short, path in TARGETS.items():
            mod = f"transformer.h.{layer}.{path}"
            W = w[mod + ".weight"]
            a = torch.randn(R, W.shape[1], generator=g, dtype=torch.float64) / math.sqrt(W.shape[1])
            b = 0.3 * torch.randn(W.shape[0], R, generator=g, dtype=torch.float64)
            # the values the C side reads are float32: round before using them here
            lora[mod] = (a.float().double().requires_grad_(True), b.float().double().requires_grad_(True))
    os.makedirs(os.path.join(io, "adapter"), exist_ok=True)
    tensors = {}
    for mod, (a, b) in lora.items():
        tensors[f"base_model.model.{mod}.lora_A.weight"] = a.detach()
        tensors[f"base_model.model.{mod}.lora_B.weight"] = b.detach()
    ex.save_safetensors(os.path.join(io, "adapter", "adapter_model.safetensors"), tensors, "F32")
    with open(os.path.join(io, "adapter", "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": R, "lora_alpha": ALPHA,
                   "target_modules": list(TARGETS), "lora_dropout": 0.0, "bias": "none", "use_rslora": False,
                   "fan_in_fan_out": False}, f, indent=2)
    merged = dict(w)
    for mod, (a, b) in lora.items():
        merged[mod + ".weight"] = w[mod + ".weight"] + (ALPHA / R) * b @ a
    logits = mini_ref.forward(cfg, merged, inp["tokens"], inp["segments"], inp["prefix"], inp["image_start"])
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(inp["targets"]), ignore_index=-100)
    loss.backward()
    logits.detach().float().numpy().astype("<f4").tofile(os.path.join(io, "logits.f32"))
    with open(os.path.join(io, "loss.txt"), "w") as f:
        f.write(repr(float(loss)) + "\n")
    grads = {}
    for mod, (a, b) in lora.items():
        grads[f"base_model.model.{mod}.lora_A.weight"] = a.grad
        grads[f"base_model.model.{mod}.lora_B.weight"] = b.grad
    ex.save_safetensors(os.path.join(io, "grads.safetensors"), grads, "F32")
    ex.save_safetensors(os.path.join(io, "merged.safetensors"),
                        {mod + ".weight": merged[mod + ".weight"].detach() for mod in lora}, "F32")


if __name__ == "__main__":
    main()
