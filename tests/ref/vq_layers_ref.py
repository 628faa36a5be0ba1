"""vq_layers_ref.py OUTDIR — PyTorch references for the VQ tokenizer's layers and model.

Writes OUTDIR/<case>.bin (refio.py format). Activations are stored NHWC (our layout);
torch runs NCHW and the tensors are permuted at the boundary. Each layer case holds
random inputs/weights, a random upstream gradient "dout", torch's "out" and the
autograd gradients "d<input>". tests/unit/test_vq_layers.c compares (rel. error <= 1e-4).

The model case is an independent torch re-implementation of taming-transformers'
VQModel structure (encoder/decoder of ResnetBlocks, nearest-upsample + conv,
stride-2 4x4 downsampling convs, no attention) with the same parameter names, so the
C model must reproduce it from the state dict alone: loss, reconstruction, codes and
every parameter gradient. Written from the papers / torch docs, not from our C code.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refio import write_tensors  # noqa: E402

torch.manual_seed(11)
torch.set_num_threads(1)
OUT = sys.argv[1]


def nhwc(x):
    return x.permute(0, 2, 3, 1).contiguous()


def nchw_leaf(B, H, W, C, scale=1.0):
    """A leaf created in NHWC (so its .grad is NHWC) and its NCHW view."""
    x = (torch.randn(B, H, W, C) * scale).requires_grad_(True)
    return x, x.permute(0, 3, 1, 2)


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


def save(name, inputs, out_nchw, extra=None):
    out = nhwc(out_nchw) if out_nchw.dim() == 4 else out_nchw
    dout = torch.randn_like(out)
    (out * dout).sum().backward()
    t = {k: v.detach() for k, v in inputs.items()}
    t.update({"d" + k: v.grad for k, v in inputs.items() if v.requires_grad})
    t["out"], t["dout"] = out.detach(), dout
    t.update(extra or {})
    write_tensors(os.path.join(OUT, name + ".bin"), t)


# ---- conv2d: (name, C, OC, k, stride, pad), input 3 x 9 x 10 ----
for name, C, OC, k, s, p in [("conv_k3s1", 5, 7, 3, 1, 1), ("conv_k4s2", 6, 4, 4, 2, 1),
                             ("conv_k3s2", 3, 5, 3, 2, 1), ("conv_k1s1", 9, 6, 1, 1, 0)]:
    x, xc = nchw_leaf(3, 9, 10, C)
    w, b = leaf(OC, C, k, k, scale=0.3), leaf(OC, scale=0.3)
    save(name, {"inp": x, "weight": w, "bias": b}, F.conv2d(xc, w, b, stride=s, padding=p),
         {"shape": torch.tensor([3, 9, 10, C, OC, k, s, p], dtype=torch.int32)})

# ---- nearest 2x upsampling ----
x, xc = nchw_leaf(2, 3, 5, 4)
save("upsample", {"inp": x}, F.interpolate(xc, scale_factor=2.0, mode="nearest"))

# ---- group norm: 2 images, 6 x 7 pixels, 12 channels, 4 groups; and 1 channel per group ----
for name, C, G in [("groupnorm", 12, 4), ("groupnorm_c1", 8, 8)]:
    x, xc = nchw_leaf(2, 6, 7, C, scale=2.0)
    x.data += 0.5
    w, b = leaf(C), leaf(C)
    save(name, {"inp": x, "weight": w, "bias": b}, F.group_norm(xc, G, w, b, eps=1e-6),
         {"shape": torch.tensor([2, 42, C, G], dtype=torch.int32)})

# ---- activations ----
x = leaf(1000, scale=3.0)
save("silu", {"inp": x}, F.silu(x))
x = leaf(1000, scale=3.0)
save("relu", {"inp": x}, F.relu(x))


from vq_torch import ResnetBlock, VQModel  # noqa: E402


def randomize(module):
    """Non-trivial norms too (weight 1 / bias 0 would hide their gradients' mistakes)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.randn_like(p) * (0.3 if "conv" in name or "shortcut" in name else 0.5)
                    + (1.0 if "norm" in name and name.endswith("weight") else 0.0))


for name, C, OC in [("resblock", 8, 8), ("resblock_nin", 4, 8)]:
    blk = ResnetBlock(C, OC, 4)
    randomize(blk)
    x, xc = nchw_leaf(2, 5, 6, C)
    out = blk(xc)
    dout = torch.randn_like(nhwc(out))
    (nhwc(out) * dout).sum().backward()
    t = {"inp": x.detach(), "dinp": x.grad, "out": nhwc(out).detach(), "dout": dout,
         "shape": torch.tensor([2, 5, 6, C, OC, 4], dtype=torch.int32)}
    for pn, p in blk.named_parameters():
        t[pn] = p.detach()
        t["d" + pn] = p.grad
    write_tensors(os.path.join(OUT, name + ".bin"), t)

# ---- vector quantizer: nearest code, straight-through, commitment + codebook loss, EMA ----
N, D, K, beta = 40, 6, 12, 0.25
z = leaf(N, D)
codebook = leaf(K, D)
dist = (z.detach() ** 2).sum(1, keepdim=True) + (codebook.detach() ** 2).sum(1) - 2 * z.detach() @ codebook.detach().t()
idx = dist.argmin(1)
zq = codebook[idx]
zq_st = z + (zq - z).detach()
dzq = torch.randn(N, D)
loss = beta * F.mse_loss(z, zq.detach()) + F.mse_loss(z.detach(), zq)
((zq_st * dzq).sum() + loss).backward()
# EMA (VQ-VAE appendix; Laplace smoothing as Sonnet's VectorQuantizerEMA)
decay, eps = 0.9, 1e-5
cluster_size = torch.rand(K) * 3
embed_sum = torch.randn(K, D)
onehot = F.one_hot(idx, K).float()
new_cs = decay * cluster_size + (1 - decay) * onehot.sum(0)
new_es = decay * embed_sum + (1 - decay) * onehot.t() @ z.detach()
n = new_cs.sum()
smoothed = (new_cs + eps) / (n + K * eps) * n
new_codebook = new_es / smoothed.unsqueeze(1)
write_tensors(os.path.join(OUT, "quantizer.bin"), {
    "z": z.detach(), "codebook": codebook.detach(), "dzq": dzq, "idx": idx.int(), "zq": zq.detach(),
    "dz": z.grad, "dcodebook": codebook.grad, "loss": loss.detach().reshape(1),
    "cluster_size": cluster_size, "embed_sum": embed_sum, "new_cluster_size": new_cs,
    "new_embed_sum": new_es, "new_codebook": new_codebook,
    "shape": torch.tensor([N, D, K], dtype=torch.int32), "params": torch.tensor([beta, decay, eps])})


ch, mult, nrb, z_ch, D, K, G, beta = 8, [1, 2, 2], 1, 8, 4, 16, 4, 0.25
model = VQModel(ch, mult, nrb, z_ch, D, K, G)
randomize(model)
with torch.no_grad():
    model.quantize.embedding.weight.normal_()
B, H, W = 2, 8, 12
x = torch.rand(B, H, W, 3) * 2 - 1
z = model.quant_conv(model.encoder(x.permute(0, 3, 1, 2)))
zf = nhwc(z).reshape(-1, D)
E = model.quantize.embedding.weight
d = (zf.detach() ** 2).sum(1, keepdim=True) + (E.detach() ** 2).sum(1) - 2 * zf.detach() @ E.detach().t()
codes = d.argmin(1)
zq = E.detach()[codes]  # EMA mode: the codebook gets no gradient
zq_st = zf + (zq - zf).detach()
zq_img = zq_st.reshape(B, H // 4, W // 4, D).permute(0, 3, 1, 2)
rec = model.decoder(model.post_quant_conv(zq_img))
rec_mse = F.mse_loss(nhwc(rec), x)
commit = F.mse_loss(zf, zq)
loss = rec_mse + beta * commit
loss.backward()
t = {"images": x, "recon": nhwc(rec).detach(), "codes": codes.int(), "z": zf.detach(),
     "loss": torch.tensor([loss.item(), rec_mse.item(), commit.item()]),
     "config": torch.tensor([ch, len(mult), *mult, nrb, z_ch, D, K, G, B, H, W], dtype=torch.int32)}
for name, p in model.named_parameters():
    t[name] = p.detach()
    t["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
write_tensors(os.path.join(OUT, "model.bin"), t)
