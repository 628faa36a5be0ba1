#!/usr/bin/python3
"""Rewrites an F32 safetensors file with every F32 tensor in BF16 (round to nearest even).

usage: tools/mini-bf16.py IN.safetensors OUT.safetensors
"""
import json
import os
import struct
import sys

import torch


def main():
    src, dst = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out_header, blobs, off = {}, [], 0
    for name, info in header.items():
        if name == "__metadata__":
            out_header[name] = info
            continue
        a, b = info["data_offsets"]
        raw = data[8 + n + a:8 + n + b]
        if info["dtype"] == "F32":
            raw = torch.frombuffer(bytearray(raw), dtype=torch.float32).to(torch.bfloat16).view(torch.int16).numpy().tobytes()
            info = dict(info, dtype="BF16")
        out_header[name] = dict(info, data_offsets=[off, off + len(raw)])
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(out_header, separators=(",", ":")).encode()
    h += b" " * (-(8 + len(h)) % 8)
    with open(dst + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for blob in blobs:
            f.write(blob)
    os.replace(dst + ".tmp", dst)


if __name__ == "__main__":
    main()
