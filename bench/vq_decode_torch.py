"""vq_decode_torch.py THREADS CODES — the PyTorch anchor for bench/vq_decode.sh.

Seconds per decode (post_quant_conv + decoder) of one CODES x CODES grid of
64-dimensional codes with the shipped VQ's config (ch 32, mult 1,1,2,4, one
res block, 32 groups), random weights, in f32 and with model and input in
bfloat16 (oneDNN bf16 convolutions). Prints "f32 SECONDS" and "bf16 SECONDS"
(best of the repeats after one warm-up).
"""
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
from vq_torch import VQModel  # noqa: E402

threads, side = int(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(threads)
torch.manual_seed(1)
model = VQModel(32, [1, 1, 2, 4], 1, 64, 64, 1024, 32).eval()
zq = torch.randn(1, 64, side, side)


def best(run, min_seconds=3.0):
    run()
    times, start = [], time.perf_counter()
    while len(times) < 3 or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


with torch.no_grad():
    print("f32 %.4f" % best(lambda: model.decoder(model.post_quant_conv(zq))))
    # torch 1.13's CPU autocast stops at GroupNorm (mixed dtypes), so the
    # bf16 anchor is the whole decoder in bfloat16 (oneDNN bf16 convolutions)
    model_bf16, zq_bf16 = model.to(torch.bfloat16), zq.to(torch.bfloat16)
    print("bf16 %.4f" % best(lambda: model_bf16.decoder(model_bf16.post_quant_conv(zq_bf16))))
