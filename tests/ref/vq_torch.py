"""vq_torch.py — a PyTorch re-implementation of the VQ tokenizer's structure:
taming-transformers' VQModel (Esser et al. 2021) without attention, with 4x4
stride-2 downsampling convs and nearest-upsample + 3x3 conv, and the same
parameter names. Used by tests/ref/vq_layers_ref.py (reference values) and
bench/vq_train_torch.py (the speed anchor). Written from the paper and the
taming code's structure, not from our C code.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResnetBlock(nn.Module):
    def __init__(self, C, OC, G):
        super().__init__()
        self.norm1 = nn.GroupNorm(G, C, eps=1e-6)
        self.conv1 = nn.Conv2d(C, OC, 3, 1, 1)
        self.norm2 = nn.GroupNorm(G, OC, eps=1e-6)
        self.conv2 = nn.Conv2d(OC, OC, 3, 1, 1)
        if C != OC:
            self.nin_shortcut = nn.Conv2d(C, OC, 1, 1, 0)
        self.C, self.OC = C, OC

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.nin_shortcut(x) if self.C != self.OC else x) + h


class Encoder(nn.Module):
    def __init__(self, ch, mult, nrb, z_ch, G):
        super().__init__()
        self.conv_in = nn.Conv2d(3, ch, 3, 1, 1)
        self.down = nn.ModuleList()
        cur = ch
        for i, m in enumerate(mult):
            level = nn.Module()
            level.block = nn.ModuleList()
            for _ in range(nrb):
                level.block.append(ResnetBlock(cur, ch * m, G))
                cur = ch * m
            if i != len(mult) - 1:
                level.downsample = nn.Module()
                level.downsample.conv = nn.Conv2d(cur, cur, 4, 2, 1)
            self.down.append(level)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(cur, cur, G)
        self.mid.block_2 = ResnetBlock(cur, cur, G)
        self.norm_out = nn.GroupNorm(G, cur, eps=1e-6)
        self.conv_out = nn.Conv2d(cur, z_ch, 3, 1, 1)

    def forward(self, x):
        h = self.conv_in(x)
        for i, level in enumerate(self.down):
            for blk in level.block:
                h = blk(h)
            if hasattr(level, "downsample"):
                h = level.downsample.conv(h)
        h = self.mid.block_2(self.mid.block_1(h))
        return self.conv_out(F.silu(self.norm_out(h)))


class Decoder(nn.Module):
    def __init__(self, ch, mult, nrb, z_ch, G):
        super().__init__()
        cur = ch * mult[-1]
        self.conv_in = nn.Conv2d(z_ch, cur, 3, 1, 1)
        self.mid = nn.Module()
        self.mid.block_1 = ResnetBlock(cur, cur, G)
        self.mid.block_2 = ResnetBlock(cur, cur, G)
        self.up = nn.ModuleList([None] * len(mult))
        for i in reversed(range(len(mult))):
            level = nn.Module()
            level.block = nn.ModuleList()
            for _ in range(nrb):
                level.block.append(ResnetBlock(cur, ch * mult[i], G))
                cur = ch * mult[i]
            if i != 0:
                level.upsample = nn.Module()
                level.upsample.conv = nn.Conv2d(cur, cur, 3, 1, 1)
            self.up[i] = level
        self.norm_out = nn.GroupNorm(G, cur, eps=1e-6)
        self.conv_out = nn.Conv2d(cur, 3, 3, 1, 1)

    def forward(self, z):
        h = self.mid.block_2(self.mid.block_1(self.conv_in(z)))
        for i in reversed(range(len(self.up))):
            for blk in self.up[i].block:
                h = blk(h)
            if hasattr(self.up[i], "upsample"):
                h = self.up[i].upsample.conv(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


class VQModel(nn.Module):
    def __init__(self, ch, mult, nrb, z_ch, D, K, G):
        super().__init__()
        self.encoder = Encoder(ch, mult, nrb, z_ch, G)
        self.decoder = Decoder(ch, mult, nrb, z_ch, G)
        self.quant_conv = nn.Conv2d(z_ch, D, 1)
        self.post_quant_conv = nn.Conv2d(D, z_ch, 1)
        self.quantize = nn.Module()
        self.quantize.embedding = nn.Embedding(K, D)


