#!/usr/bin/python3
"""Writes the EXAONE-mini acceptance fixtures (tests/scripts/test_mini_accept.sh):
a few test-split items, their 64x64 pictures and names, and distractor names.

usage: /usr/bin/python3 tests/data/mini/make_fixtures.py [DATASET_DIR] [OUT_DIR]
       (defaults ~/.cache/exaone/dataset, the folder of this script)

DATASET_DIR is the dataset of `exaone data prepare` (FORMAT.md there). The choice is
a fixed rule, not a pick of items the model happens to get right: the test-split
emoji items in the order of emoji64.tsv; the first FIXTURES of them become fixtures
(their google-style picture, row-major RGB from emoji64.bin), the next DISTRACTORS
only lend their names. An item's name is its first caption of each language in
captions.tsv, as tools/mini-corpus.py makes it the label. Writes:
  item-N.png            the picture of fixture N
  items.tsv             file <tab> hexcode <tab> en name <tab> ko name (the fixtures)
  candidates-en.txt     the fixtures' and the distractors' English names, one a line
  candidates-ko.txt     the same in Korean
"""
import os
import struct
import sys
import zlib

FIXTURES = 4
DISTRACTORS = 28


def png(path, w, h, rgb):
    """A plain RGB PNG (no metadata, fixed compression), so the bytes are reproducible."""
    raw = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    data_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser("~/.cache/exaone/dataset")
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(data_dir, "emoji64.bin"), "rb") as f:
        pack = f.read()
    if pack[:8] != b"EXIMGP01":
        sys.exit(f"{data_dir}/emoji64.bin: not an image pack")
    w, h, c, n = struct.unpack("<IIII", pack[8:24])
    names = {}
    for line in open(os.path.join(data_dir, "captions.tsv"), encoding="utf-8").read().splitlines()[1:]:
        split, item, image, lang, text = line.split("\t", 4)
        if split == "test" and image == "-" and lang in ("en", "ko"):
            names.setdefault(item, {}).setdefault(lang, text.strip())
    order, row_of = [], {}
    for line in open(os.path.join(data_dir, "emoji64.tsv"), encoding="utf-8").read().splitlines()[1:]:
        f = line.split("\t")
        row, item, style, split = int(f[0]), f[1], f[2], f[3]
        if split != "test" or len(names.get(item, {})) != 2:
            continue
        if item not in row_of:
            order.append(item)
        if style == "google" or item not in row_of:
            row_of[item] = row
    chosen = order[:FIXTURES + DISTRACTORS]
    if len(chosen) < FIXTURES + DISTRACTORS:
        sys.exit(f"{data_dir}: only {len(chosen)} test-split emoji items with both names")
    os.makedirs(out, exist_ok=True)
    size = w * h * c
    with open(os.path.join(out, "items.tsv"), "w", encoding="utf-8") as f:
        for k, item in enumerate(chosen[:FIXTURES]):
            row = row_of[item]
            png(os.path.join(out, f"item-{k}.png"), w, h, pack[32 + row * size:32 + (row + 1) * size])
            f.write(f"item-{k}.png\t{item}\t{names[item]['en']}\t{names[item]['ko']}\n")
    for lang in ("en", "ko"):
        with open(os.path.join(out, f"candidates-{lang}.txt"), "w", encoding="utf-8") as f:
            f.writelines(names[item][lang] + "\n" for item in chosen)


main()
