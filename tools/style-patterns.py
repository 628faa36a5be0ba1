#!/usr/bin/python3
"""style-patterns.py OUT_DIR [SIZE] — a pattern style EXAONE-mini never saw, made by our own code.

The "house style": flat geometric patterns in one fixed palette (cream ground, coral,
teal, navy), 10 motifs x 5 variants (scale / phase / colour roles), 50 images in all.
Writes OUT_DIR/train/ (40 images + prompts.tsv) and OUT_DIR/heldout/ (10 images whose
prompts combine words differently: every held-out motif appears in training, but never
with that variant). PNGs are written with zlib only (no imaging library), deterministic.
"""
import math
import os
import struct
import sys
import zlib

CREAM, CORAL, TEAL, NAVY = (250, 240, 220), (238, 105, 85), (20, 140, 140), (30, 40, 90)
PALETTES = [("coral on cream", CREAM, CORAL), ("teal on cream", CREAM, TEAL), ("navy on cream", CREAM, NAVY),
            ("coral on teal", TEAL, CORAL), ("cream on navy", NAVY, CREAM)]


def motif(name, x, y, s):
    """1 where the foreground colour goes; s = period in pixels."""
    if name == "stripes":
        return (y // (s // 2)) % 2
    if name == "vertical stripes":
        return (x // (s // 2)) % 2
    if name == "diagonal stripes":
        return ((x + y) // (s // 2)) % 2
    if name == "checks":
        return ((x // (s // 2)) + (y // (s // 2))) % 2
    if name == "polka dots":
        cx, cy = (x % s) - s / 2 + 0.5, (y % s) - s / 2 + 0.5
        return int(cx * cx + cy * cy < (s * 0.3) ** 2)
    if name == "grid":
        return int(x % s < max(1, s // 5) or y % s < max(1, s // 5))
    if name == "zigzag":
        return int(((y + abs((x % s) - s / 2)) // (s // 2)) % 2)
    if name == "waves":
        return int(((y + (s / 4) * math.sin(2 * math.pi * x / s)) // (s // 2)) % 2)
    if name == "diamonds":
        return int(abs((x % s) - s / 2) + abs((y % s) - s / 2) < s * 0.35)
    if name == "crosses":
        cx, cy = abs((x % s) - s / 2), abs((y % s) - s / 2)
        return int((cx < s * 0.1 and cy < s * 0.35) or (cy < s * 0.1 and cx < s * 0.35))
    raise ValueError(name)


MOTIFS = ["stripes", "vertical stripes", "diagonal stripes", "checks", "polka dots", "grid", "zigzag", "waves",
          "diamonds", "crosses"]


def write_png(path, rows, size):
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def main():
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    for part in ("train", "heldout"):
        os.makedirs(os.path.join(out, part), exist_ok=True)
    lines = {"train": [], "heldout": []}
    for m, name in enumerate(MOTIFS):
        for v, (pal_name, bg, fg) in enumerate(PALETTES):
            scale = "large" if v % 2 else "small"
            s = 32 if scale == "large" else 16
            prompt = f"{scale} {pal_name} {name}"
            # one variant of each motif is held out, a different palette for each motif
            part = "heldout" if v == m % len(PALETTES) else "train"
            rows = [[fg if motif(name, x, y, s) else bg for x in range(size)] for y in range(size)]
            fname = f"{name.replace(' ', '_')}_{v}.png"
            write_png(os.path.join(out, part, fname), rows, size)
            lines[part].append(f"{fname}\t{prompt}")
    for part, ls in lines.items():
        with open(os.path.join(out, part, "prompts.tsv"), "w") as f:
            f.write("\n".join(ls) + "\n")
    print(f"{out}: {len(lines['train'])} training + {len(lines['heldout'])} held-out images")


if __name__ == "__main__":
    main()
