#!/usr/bin/python3
"""Writes the inputs of tests/bad_inputs/cli_cases.tsv into tests/bad_inputs/cli/."""
import os
import struct
import sys
import zlib

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cli")
os.makedirs(out, exist_ok=True)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(w, h):
    """An 8-bit RGB PNG header claiming w x h, with one tiny IDAT."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * (1 + 3 * min(w, 4)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


files = {
    "png_0x0.png": png(0, 0),
    "png_99999.png": png(99999, 99999),
    "png_1x1.png": png(1, 1),
    # a tEXt chunk header claiming 800 MB in a tiny file (libpng would allocate it)
    "png_text_800mb.png": png(4, 4)[:-12] + struct.pack(">I", 838860807) + b"tEXtkey\0" + chunk(b"IEND", b""),
    "not_png.png": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "chat_role_unknown.json": b'[{"role":"wizard","content":"hi"}]',
    "chat_bad_utf8.json": b'[{"role":"user","content":"caf\xc3 \xff"}]',
    "chat_not_list.json": b'{"messages": 5}',
    "chat_bad_json.json": b'[{"role":"user",',
    "tune_role_unknown.jsonl": b'{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}\n'
                               b'{"messages":[{"role":"wizard","content":"hi"},{"role":"assistant","content":"yo"}]}\n',
    "empty.bin": b"",
    "prompt_bad_utf8.txt": b"ab\xffcd",
}
# `exaone train CONFIG`: a valid tiny config with one thing wrong each time.
ok_cfg = ("vocab = 16\nd_model = 32\nn_layers = 1\nn_heads = 2\nffn = 64\nmax_seq = 16\nbatch = 4\n"
          "seq = 16\nsteps = 3\nthreads = 1\n")
cli = "tests/bad_inputs/cli/"
files.update({
    "train_unknown_key.cfg": (ok_cfg + "bogus = 3\n").encode(),
    "train_vocab_2_64.cfg": (ok_cfg + "vocab = 18446744073709551616\n").encode(),
    "train_heads.cfg": (ok_cfg + "n_heads = 3\n").encode(),
    "train_seq.cfg": (ok_cfg + "seq = 64\n").encode(),
    "train_steps_0.cfg": (ok_cfg + "steps = 0\n").encode(),
    "train_token_oor.cfg": (ok_cfg + "data = " + cli + "tokens_oor.bin\n").encode(),
    "train_token_short.cfg": (ok_cfg + "data = " + cli + "tokens_short.bin\n").encode(),
    "tokens_oor.bin": struct.pack("<3i", 20, 1, 2) * 100,
    "tokens_short.bin": b"\0" * 10,
    "train_ok.cfg": (ok_cfg + "data = " + cli + "tokens_ok.bin\n").encode(),
    "tokens_ok.bin": struct.pack("<16i", *range(16)) * 16,
})
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
sys.exit(0)
