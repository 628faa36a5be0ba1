"""train_torch.py D L T B V STEPS THREADS — PyTorch anchor for bench/train.sh.

Trains the same GPT-2-style model as `exaone train` (LayerNorm, GELU, learned
positions, tied embeddings, biases, ffn = 4 d, head size 64) in fp32 with torch's
AdamW on random tokens, and prints "tokens_per_s=X tokens_per_cpu_s=Y" (Y per CPU-second
of all threads: steadier on a busy machine). The model code is the one of the
PyTorch reference test (tests/ref/train_gpt_ref.py).
"""
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ref"))
import train_gpt_ref as ref  # noqa: E402

D, L, T, B, V, STEPS, THREADS = (int(a) for a in sys.argv[1:8])
torch.set_num_threads(THREADS)
c = dict(vocab=V, d_model=D, n_layers=L, n_heads=D // 64, ffn=4 * D, max_seq=T, norm="layer", mlp="gelu",
         pos="learned", tied=1, bias=1, grid_h=0, grid_w=0, decay_embeddings=0, n_segments=0, n_kv_heads=D // 64)
P = ref.init_params(c, torch.Generator().manual_seed(1))
decay = [p for p in P.values() if p.ndim == 2 and p is not P["transformer.wte.weight"]
         and p is not P["transformer.wpe.weight"]]
rest = [p for p in P.values() if all(p is not q for q in decay)]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=3e-4,
                        betas=(0.9, 0.95), eps=1e-8)
tokens = torch.randint(0, V, (B, T))
targets = torch.randint(0, V, (B, T))


def step():
    opt.zero_grad()
    logits = ref.forward(c, P, tokens, None, None)
    loss = F.cross_entropy(logits.view(-1, V), targets.view(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
    opt.step()
    return loss.item()


step()  # warm-up
start, cpu_start = time.time(), time.process_time()
for _ in range(STEPS):
    step()
elapsed, cpu = time.time() - start, time.process_time() - cpu_start
print("torch %s threads=%d blas=%s" % (torch.__version__, torch.get_num_threads(),
                                      "openblas" if "openblas" in open("/proc/self/maps").read() else "?"),
      file=sys.stderr)
print("tokens_per_s=%.1f tokens_per_cpu_s=%.1f" % (B * T * STEPS / elapsed, B * T * STEPS / cpu))
