#!/usr/bin/python3
"""Builds EXAONE-mini's raw bilingual corpus (before VQ encoding).

usage: tools/mini-corpus.py OUT_DIR [--dataset DIR] [--images DIR]... [--emojibase DIR] [--mo-dir DIR]

Writes OUT_DIR/{train,val,test}.tsv in the record format of src/train/mini_data.h,
except that image records name a PNG instead of codes (`exaone mini-encode` turns
them into codes):  I <tab> ITEM <tab> /path/to/image.png
and OUT_DIR/bpe.txt, the text the BPE vocabulary is trained on (train split only).

Sources:
  --images DIR      emoji PNGs named by hexcode (emoji-datasource-* img/STYLE/64), repeatable:
                    every style is one more image of the same item
  --emojibase DIR   emojibase-data with ko/data.json and en/data.json (labels, tags; joined on hexcode)
  --mo-dir DIR      gettext catalogs: DIR/ko/LC_MESSAGES/*.mo give EN -> KO pairs
  --textures DIR    (optional) PNG texture crops named "<english colour words>__<korean>.png"
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--images", action="append", default=[])
    ap.add_argument("--emojibase")
    ap.add_argument("--mo-dir")
    ap.add_argument("--textures")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    files = {s: open(os.path.join(a.out, s + ".tsv.tmp"), "w", encoding="utf-8") for s in ("train", "val", "test")}
    bpe = open(os.path.join(a.out, "bpe.txt.tmp"), "w", encoding="utf-8")
    counts = {}

    def put(split, line, kind):
        files[split].write(line + "\n")
        counts[(split, kind)] = counts.get((split, kind), 0) + 1

    item = 0
    if a.emojibase:
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
