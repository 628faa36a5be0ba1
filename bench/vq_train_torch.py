"""vq_train_torch.py STEPS BATCH THREADS — the PyTorch anchor for bench/vq_train.sh.

Times training steps of the same VQ model as `exaone vq train` (default config:
ch 32, mult 1,1,2,4, one res block, z 64, 1024 x 64 codebook, 32 groups) on
random 64x64 images: forward, L2 + commitment loss, backward, AdamW, EMA
codebook update. Prints "images/s X" (first step excluded: warm-up).
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
from vq_torch import VQModel  # noqa: E402

steps, B, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(1)
D, K, beta, decay, eps = 64, 1024, 0.25, 0.99, 1e-5
model = VQModel(32, [1, 1, 2, 4], 1, 64, D, K, 32)
E = model.quantize.embedding.weight
E.requires_grad_(False)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=4e-4, betas=(0.9, 0.99),
                        weight_decay=0.0)
cluster_size, embed_sum = torch.ones(K), E.detach().clone()
x = torch.rand(B, 3, 64, 64) * 2 - 1
start = None
for step in range(steps + 1):
    if step == 1:
        start = time.perf_counter()
    z = model.quant_conv(model.encoder(x))
    zf = z.permute(0, 2, 3, 1).reshape(-1, D)
    with torch.no_grad():
        codes = ((E ** 2).sum(1) - 2 * zf @ E.t()).argmin(1)
    zq = E[codes]
    zq_img = (zf + (zq - zf).detach()).reshape(B, 8, 8, D).permute(0, 3, 1, 2)
    rec = model.decoder(model.post_quant_conv(zq_img))
    loss = F.mse_loss(rec, x) + beta * F.mse_loss(zf, zq)
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        onehot = F.one_hot(codes, K).float()
        cluster_size.mul_(decay).add_(onehot.sum(0), alpha=1 - decay)
        embed_sum.mul_(decay).add_(onehot.t() @ zf.detach(), alpha=1 - decay)
        n = cluster_size.sum()
        E.copy_(embed_sum / ((cluster_size + eps) / (n + K * eps) * n).unsqueeze(1))
print("images/s %.2f" % (steps * B / (time.perf_counter() - start)))
