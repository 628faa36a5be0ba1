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
    "not_png.png": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
    "chat_role_unknown.json": b'[{"role":"wizard","content":"hi"}]',
    "chat_bad_utf8.json": b'[{"role":"user","content":"caf\xc3 \xff"}]',
    "chat_not_list.json": b'{"messages": 5}',
    "chat_bad_json.json": b'[{"role":"user",',
    "empty.bin": b"",
    "prompt_bad_utf8.txt": b"ab\xffcd",
}
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
sys.exit(0)
