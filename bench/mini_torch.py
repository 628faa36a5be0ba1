#!/usr/bin/python3
"""Anchor of bench/mini.sh: EXAONE-mini's draw and caption in PyTorch (float32,
the forward pass of tests/ref/mini_ref.py, no KV cache: every step recomputes
the whole sequence, as a straightforward re-implementation does).

usage: /usr/bin/python3 bench/mini_torch.py MODEL_DIR THREADS PROMPT_IDS CAPTION_TOKENS
PROMPT_IDS: the English prompt's token ids, comma-separated (exaone tokenize --ids).
Draw: 64 image codes, each from the guided logits (cfg 3) of the conditional and
the unconditional sequence; caption: the i2t prefix of the drawn image, then
CAPTION_TOKENS greedy steps (the length of the C caption, beam 1). Prints
wall seconds for load, draw and caption (torch import excluded) and the same in
CPU seconds of the process (cpu_load, cpu_draw, cpu_caption).
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
from mini_ref import forward, read_safetensors  # noqa: E402

EOS, T2I, I2T, KO, EN, BOI, EOI = 1, 2, 3, 6, 7, 8, 9
SEG_T2I_TEXT, SEG_T2I_IMAGE, SEG_I2T_IMAGE, SEG_I2T_TEXT = 0, 1, 2, 3


def main():
    d, threads, prompt, caption_tokens = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    torch.set_num_threads(threads)
    c0, t0 = time.process_time(), time.perf_counter()
    cfg = json.load(open(f"{d}/config.json"))
    w = {k: v.float() for k, v in read_safetensors(f"{d}/model.safetensors").items()}
    c1, t1 = time.process_time(), time.perf_counter()
    n_text, G = cfg["n_text"], cfg["grid_h"] * cfg["grid_w"]
    ids = [int(t) for t in prompt.split(",")]
    cond, cseg = [T2I, EN] + ids + [BOI], [SEG_T2I_TEXT] * (len(ids) + 3)
    unc, useg = [T2I, BOI], [SEG_T2I_TEXT] * 2
    cp, up = len(cond), len(unc)
    codes = []
    with torch.no_grad():
        for _ in range(G):
            lc = forward(cfg, w, cond, cseg, cp, cp)[-1, n_text:]
            lu = forward(cfg, w, unc, useg, up, up)[-1, n_text:]
            token = n_text + int(torch.argmax(lu + 3.0 * (lc - lu)))
            codes.append(token)
            cond.append(token), cseg.append(SEG_T2I_IMAGE)
            unc.append(token), useg.append(SEG_T2I_IMAGE)
        c2, t2 = time.process_time(), time.perf_counter()
        seq = [I2T, BOI] + codes + [EOI, EN]
        seg = [SEG_I2T_IMAGE] * (G + 3) + [SEG_I2T_TEXT]
        prefix = len(seq)
        for _ in range(caption_tokens):
            token = int(torch.argmax(forward(cfg, w, seq, seg, prefix, 2)[-1, :n_text]))
            seq.append(token), seg.append(SEG_I2T_TEXT)
        c3, t3 = time.process_time(), time.perf_counter()
    print(f"load {t1 - t0:.4f}\ndraw {t2 - t1:.4f}\ncaption {t3 - t2:.4f}")
    print(f"cpu_load {c1 - c0:.4f}\ncpu_draw {c2 - c1:.4f}\ncpu_caption {c3 - c2:.4f}")


main()
