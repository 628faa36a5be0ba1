#!/usr/bin/python3
"""Builds EXAONE-mini's raw bilingual corpus (before VQ encoding).

usage: tools/mini-corpus.py OUT_DIR --dataset DIR [--families]
       tools/mini-corpus.py OUT_DIR [--images DIR]... [--emojibase DIR] [--mo-dir DIR]
       tools/mini-corpus.py --families-only --dataset DIR     (F records on stdout)

Writes OUT_DIR/{train,val,test}.tsv in the record format of src/train/mini_data.h,
except that image records name a PNG instead of codes (`exaone mini-encode` turns
them into codes):  I <tab> ITEM <tab> /path/to/image.png
and OUT_DIR/bpe.txt, the text the BPE vocabulary is trained on (train split only).

Sources:
  --dataset DIR     the dataset of `exaone data prepare` (FORMAT.md there): emoji and texture
                    image packs (written out as PNGs under OUT_DIR/images), captions.tsv,
                    pairs.tsv, corpus-*.txt, with that dataset's own split. Preferred.
  or, without it (a fallback that needs only npm and the installed catalogs):
  --images DIR      emoji PNGs named by hexcode (emoji-datasource-* img/STYLE/64), repeatable:
                    every style is one more image of the same item
  --emojibase DIR   emojibase-data with ko/data.json and en/data.json (labels, tags; joined on hexcode)
  --mo-dir DIR      gettext catalogs: DIR/ko/LC_MESSAGES/*.mo give EN -> KO pairs
  --textures DIR    (optional) PNG texture crops named "<english colour words>__<korean>.png"
  --families        also write F <tab> ITEM <tab> FAMILY records (src/train/mini_data.h): an
                    emoji's family is its base (skin tones dropped, as the dataset's base
                    column has it) with the gendered forms mapped to the gender-neutral one
                    (man / woman -> person, boy / girl -> child, old man / old woman -> older
                    person; the male / female signs dropped), so "woman frowning: dark skin
                    tone" and "person frowning" are one family. `exaone mini-train
                    --balance-families` samples by it; without that flag they change nothing.
  --families-only   print only the F records (every split's items, numbered as a full run
                    numbers them) for appending to an existing corpus
Split by item: hash(item key) % 20 == 0 -> test, == 1 -> val, else train; the same
for translation pairs (by English text), so no item or sentence crosses splits.
"""
import argparse
import glob
import hashlib
import json
import os
import re
import struct
import sys


def split_of(key):
    h = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 20
    return "test" if h == 0 else "val" if h == 1 else "train"


def clean(s):
    s = s.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    return re.sub(r"\s+", " ", s).strip()


def read_mo(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 28:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic == 0x950412DE else ">" if magic == 0xDE120495 else None
    if end is None:
        return []
    n, o_orig, o_tr = struct.unpack(end + "III", data[8:20])
    out = []
    for i in range(n):
        lo, oo = struct.unpack(end + "II", data[o_orig + 8 * i:o_orig + 8 * i + 8])
        lt, ot = struct.unpack(end + "II", data[o_tr + 8 * i:o_tr + 8 * i + 8])
        src = data[oo:oo + lo].split(b"\0")[0]
        tgt = data[ot:ot + lt].split(b"\0")[0]
        try:
            out.append((src.decode("utf-8"), tgt.decode("utf-8")))
        except UnicodeDecodeError:
            pass
    return out


HANGUL = re.compile("[\uac00-\ud7a3]")


def good_pair(en, ko):
    if not en or not ko or "\x04" in en:
        return False
    if len(en) > 80 or len(ko) > 80 or not HANGUL.search(ko) or HANGUL.search(en):
        return False
    if re.search(r"%[0-9$]*[a-zA-Z]|\{[0-9a-z_]*\}|<[a-z/]|https?:|\\", en):
        return False
    return sum(c.isalpha() for c in en) >= 2


def strip_accel(s):
    s = re.sub(r"\(_?&?[A-Za-z0-9]\)", "", s)  # Korean "(_F)" accelerators
    return clean(s.replace("_", "").replace("&", ""))


def article(label):
    return ("an " if label[:1].lower() in "aeiou" else "a ") + label


def emoji_items(emojibase, image_dirs):
    en = {e["hexcode"]: e for e in flatten(json.load(open(os.path.join(emojibase, "en/data.json"))))}
    ko = {e["hexcode"]: e for e in flatten(json.load(open(os.path.join(emojibase, "ko/data.json"))))}
    items = []
    for hexcode, e in sorted(en.items()):
        k = ko.get(hexcode)
        if not k or "label" not in e or "label" not in k:
            continue
        images = []
        for d in image_dirs:
            for name in candidates(hexcode):
                p = os.path.join(d, name)
                if os.path.exists(p):
                    images.append(p)
                    break
        if not images:
            continue
        le, lk = clean(e["label"]), clean(k["label"])
        caps = [("en", le), ("en", article(le)), ("en", le + " emoji"), ("ko", lk), ("ko", lk + " 이모지"),
                ("ko", lk + " 그림")]
        te, tk = [clean(t) for t in e.get("tags", [])][:4], [clean(t) for t in k.get("tags", [])][:4]
        if te:
            caps.append(("en", ", ".join(te)))
        if tk:
            caps.append(("ko", ", ".join(tk)))
        items.append((hexcode, images, caps, (le, lk)))
    return items


def flatten(entries):
    for e in entries:
        yield e
        for s in e.get("skins", []) or []:
            yield s


def candidates(hexcode):
    h = hexcode.lower()
    yield h + ".png"
    yield h.replace("-fe0f", "") + ".png"
    parts = h.split("-")
    yield "-".join(parts + ["fe0f"]) + ".png"


def read_pack(path):
    with open(path, "rb") as f:
        head = f.read(32)
        if head[:8] != b"EXIMGP01":
            raise ValueError(f"{path}: not an image pack")
        w, h, c, n = struct.unpack("<IIII", head[8:24])
        return w, h, c, n, f.read()


GENDER_NEUTRAL = {"1F468": "1F9D1", "1F469": "1F9D1", "1F466": "1F9D2", "1F467": "1F9D2", "1F474": "1F9D3",
                  "1F475": "1F9D3"}


def family_key(base):
    """The gender-neutral form of an emoji's base hexcode (see --families)."""
    parts = [GENDER_NEUTRAL.get(p, p) for p in base.upper().split("-")]
    out = []
    i = 0
    while i < len(parts):  # drop "ZWJ MALE/FEMALE SIGN [VS16]"
        if parts[i] == "200D" and i + 1 < len(parts) and parts[i + 1] in ("2640", "2642"):
            i += 3 if i + 2 < len(parts) and parts[i + 2] == "FE0F" else 2
            continue
        out.append(parts[i])
        i += 1
    return "-".join(out)


def emoji_families(dataset):
    """(split, item number, family number) of every emoji item of the dataset, items
    numbered in emoji64.tsv order as from_dataset numbers them."""
    items, families, out = {}, {}, []
    lines = open(os.path.join(dataset, "emoji64.tsv"), encoding="utf-8").read().splitlines()
    head = lines[0].split("\t")
    col = {name: i for i, name in enumerate(head)}
    for line in lines[1:]:
        f = line.split("\t")
        key = "emoji:" + f[col["item"]]
        if key in items:
            continue
        items[key] = len(items)
        fam = families.setdefault(family_key(f[col["base"]]), len(families))
        out.append((f[col["split"]], items[key], fam))
    return out


def from_dataset(a, put, bpe):
    from PIL import Image
    d = a.dataset
    img_dir = os.path.join(a.out, "images")
    os.makedirs(img_dir, exist_ok=True)
    ids = {}

    def item_id(key):
        return ids.setdefault(key, len(ids))

    def write_png(pack, row, data, w, h, c):
        p = os.path.join(img_dir, f"{pack}-{row}.png")
        if not os.path.exists(p):
            size = w * h * c
            Image.frombytes("RGB", (w, h), data[row * size:(row + 1) * size]).save(p)
        return p

    w, h, c, n, data = read_pack(os.path.join(d, "emoji64.bin"))
    for line in open(os.path.join(d, "emoji64.tsv"), encoding="utf-8").read().splitlines()[1:]:
        f = line.split("\t")
        row, item, split = int(f[0]), f[1], f[3]
        put(split, f"I\t{item_id('emoji:' + item)}\t{write_png('emoji64', row, data, w, h, c)}", "image")
    if a.families:
        for split, item, family in emoji_families(d):
            put(split, f"F\t{item}\t{family}", "family")
    tex = os.path.join(d, "texture64.bin")
    tw = read_pack(tex) if os.path.exists(tex) else None
    for line in open(os.path.join(d, "captions.tsv"), encoding="utf-8").read().splitlines()[1:]:
        split, item, image, lang, text = line.split("\t", 4)
        text = clean(text)
        if not text or lang not in ("en", "ko"):
            continue
        if image == "-":
            key = "emoji:" + item if not item.startswith(("emoji:", "texture:")) else item
        elif image.startswith("texture64:") and tw:
            key = image
            if key not in ids:
                put(split, f"I\t{item_id(key)}\t{write_png('texture64', int(image.split(':')[1]), tw[4], *tw[:3])}",
                    "image")
        else:
            continue
        put(split, f"C\t{item_id(key)}\t{lang}\t{text}", "caption")
    for line in open(os.path.join(d, "pairs.tsv"), encoding="utf-8").read().splitlines()[1:]:
        split, _, en, ko = line.split("\t", 3)
        en, ko = clean(en), clean(ko)
        if en and ko:
            put(split, f"P\t{en}\t{ko}", "pair")
    for split in ("train", "val", "test"):
        for text in open(os.path.join(d, f"corpus-{split}.txt"), encoding="utf-8").read().splitlines():
            text = clean(text)
            if text:
                put(split, f"T\t{'ko' if HANGUL.search(text) else 'en'}\t{text}", "text")
                if split == "train":
                    bpe.write(text + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset")
    ap.add_argument("out", nargs="?")
    ap.add_argument("--families", action="store_true")
    ap.add_argument("--families-only", action="store_true")
    ap.add_argument("--images", action="append", default=[])
    ap.add_argument("--emojibase")
    ap.add_argument("--mo-dir")
    ap.add_argument("--textures")
    a = ap.parse_args()
    if a.families_only:
        if not a.dataset:
            ap.error("--families-only needs --dataset")
        for _, item, family in emoji_families(a.dataset):
            print(f"F\t{item}\t{family}")
        return
    if not a.out:
        ap.error("OUT_DIR is required")
    os.makedirs(a.out, exist_ok=True)
    files = {s: open(os.path.join(a.out, s + ".tsv.tmp"), "w", encoding="utf-8") for s in ("train", "val", "test")}
    bpe = open(os.path.join(a.out, "bpe.txt.tmp"), "w", encoding="utf-8")
    counts = {}

    def put(split, line, kind):
        files[split].write(line + "\n")
        counts[(split, kind)] = counts.get((split, kind), 0) + 1

    item = 0
    if a.dataset:
        from_dataset(a, put, bpe)
    if a.emojibase and not a.dataset:
        for hexcode, images, caps, (le, lk) in emoji_items(a.emojibase, a.images):
            s = split_of("emoji:" + hexcode)
            for p in images:
                put(s, f"I\t{item}\t{p}", "image")
            for lang, text in caps:
                put(s, f"C\t{item}\t{lang}\t{text}", "caption")
                if s == "train":
                    bpe.write(text + "\n")
            put(s, f"P\t{le}\t{lk}", "pair")
            item += 1
    if a.textures:
        for p in sorted(glob.glob(os.path.join(a.textures, "*.png"))):
            name = os.path.basename(p)[:-4]
            if "__" not in name:
                continue
            en, ko = (clean(x.replace("-", " ")) for x in name.split("__", 1))
            s = split_of("texture:" + name)
            put(s, f"I\t{item}\t{p}", "image")
            for lang, text in (("en", en), ("en", en + " pattern"), ("ko", ko), ("ko", ko + " 무늬")):
                put(s, f"C\t{item}\t{lang}\t{text}", "caption")
            item += 1
    seen = set()
    if a.mo_dir:
        for mo in sorted(glob.glob(os.path.join(a.mo_dir, "ko/LC_MESSAGES/*.mo"))):
            for en, ko in read_mo(mo):
                en, ko = strip_accel(en), strip_accel(ko)
                if not good_pair(en, ko) or en in seen:
                    continue
                seen.add(en)
                s = split_of("pair:" + en)
                put(s, f"P\t{en}\t{ko}", "pair")
                put(s, f"T\ten\t{en}", "text")
                put(s, f"T\tko\t{ko}", "text")
                if s == "train":
                    bpe.write(en + "\n" + ko + "\n")
    for f in list(files.values()) + [bpe]:
        f.close()
    for s in ("train", "val", "test"):
        os.replace(os.path.join(a.out, s + ".tsv.tmp"), os.path.join(a.out, s + ".tsv"))
    os.replace(os.path.join(a.out, "bpe.txt.tmp"), os.path.join(a.out, "bpe.txt"))
    for s in ("train", "val", "test"):
        print(s, {k: v for (sp, k), v in sorted(counts.items()) if sp == s}, file=sys.stderr)


if __name__ == "__main__":
    main()
