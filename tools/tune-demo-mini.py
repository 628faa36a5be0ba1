#!/usr/bin/python3
"""tune-demo-mini.py OUT [GRID_PNG] — the numbers and the picture of demo (b) (tools/tune-demo-mini.sh).

Reads, under OUT: data/heldout/prompts.tsv (+ PNGs), data/train/*.png, scores/{before,after}_I.txt
(`exaone score` of held-out image I against every held-out prompt, one a line) and
draw/{before,after}_I.png (held-out prompt I drawn with seed 0). Prints:
  retrieval     top-1 accuracy and mean rank of the true prompt among the held-out prompts,
                by the model's own log p(prompt | image)
  palette fit   share of drawn pixels within RGB distance 48 of the four house colours
  nearest style mean |pixel difference| (0-255) of a drawing to the closest of the 50 style images
and writes a grid PNG: row 1 before tuning, row 2 after, row 3 the held-out reference.
Pure Python (zlib): no imaging library needed.
"""
import os
import struct
import sys
import zlib

HOUSE = [(250, 240, 220), (238, 105, 85), (20, 140, 140), (30, 40, 90)]


def read_png(path):
    """8-bit RGB / RGBA / grey PNG (non-interlaced) -> (w, h, [(r, g, b), ...])."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0 and ctype in (0, 2, 6), f"{path}: unsupported PNG"
            ch = {0: 1, 2: 3, 6: 4}[ctype]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, prev, px = zlib.decompress(idat), w * ch, bytearray(w * ch), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0
            b, c = prev[i], prev[i - ch] if i >= ch else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        for x in range(w):
            v = line[x * ch:x * ch + 3] if ch >= 3 else line[x:x + 1] * 3
            px.append(tuple(v))
    return w, h, px


def write_png(path, w, h, px):
    raw = b"".join(b"\x00" + bytes(v for p in px[y * w:(y + 1) * w] for v in p) for y in range(h))
    chunk = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d) & 0xFFFFFFFF)
    with open(path + ".tmp", "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
    os.replace(path + ".tmp", path)


def palette_fit(px):
    near = sum(1 for p in px if min(sum((a - b) ** 2 for a, b in zip(p, c)) for c in HOUSE) <= 48 ** 2)
    return near / len(px)


def distance(a, b):
    return sum(abs(x - y) for p, q in zip(a, b) for x, y in zip(p, q)) / (3 * len(a))


def main():
    out = sys.argv[1]
    grid_path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(out, "grid.png")
    held = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "data/heldout/prompts.tsv")) if l.strip()]
    refs = [read_png(os.path.join(out, "data/heldout", f))[2] for f, _ in held]
    train_dir = os.path.join(out, "data/train")
    style = refs + [read_png(os.path.join(train_dir, f))[2] for f in sorted(os.listdir(train_dir)) if f.endswith(".png")]
    n = len(held)
    tiles = {}
    for when in ("before", "after"):
        top1, ranks = 0, []
        fits, nearest = [], []
        tiles[when] = []
        for i in range(n):
            s = [float(v) for v in open(os.path.join(out, f"scores/{when}_{i}.txt")).read().split()]
            assert len(s) == n, f"scores/{when}_{i}.txt: {len(s)} scores, {n} prompts"
            rank = 1 + sum(1 for j in range(n) if s[j] > s[i])
            top1 += rank == 1
            ranks.append(rank)
            w, h, px = read_png(os.path.join(out, f"draw/{when}_{i}.png"))
            tiles[when].append((w, h, px))
            fits.append(palette_fit(px))
            nearest.append(min(distance(px, r) for r in style) if len(style[0]) == len(px) else float("nan"))
        print(f"{when}: retrieval top-1 {top1}/{n}, mean rank {sum(ranks) / n:.2f} of {n}; "
              f"palette fit {100 * sum(fits) / n:.1f} %; nearest style image |diff| {sum(nearest) / n:.1f}")
    # grid: before / after / reference, one column per held-out prompt, 2x nearest-neighbour
    w, h = tiles["before"][0][0], tiles["before"][0][1]
    rows = [tiles["before"], tiles["after"], [(w, h, r) for r in refs]]
    S, gap = 2, 4
    W, H = n * (S * w + gap) + gap, 3 * (S * h + gap) + gap
    canvas = [(255, 255, 255)] * (W * H)
    for r, row in enumerate(rows):
        for c, (tw, th, px) in enumerate(row):
            x0, y0 = gap + c * (S * w + gap), gap + r * (S * h + gap)
            for y in range(S * th):
                for x in range(S * tw):
                    canvas[(y0 + y) * W + x0 + x] = px[(y // S) * tw + x // S]
    write_png(grid_path, W, H, canvas)
    print(f"grid: {grid_path} (rows: before, after, held-out reference; columns: the {n} held-out prompts)")


if __name__ == "__main__":
    main()
