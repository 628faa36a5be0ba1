"""refio.py — the little tensor container the training tests read (tests/unit/train_ref.h).

Layout (little-endian): magic b"EXRF", u32 version 1, u32 count, then per tensor:
u32 name length, name (utf-8), u32 dtype (0 = f32, 1 = i32), u32 ndim, i64 dims[ndim], data.
"""
import struct

import numpy as np


def write_tensors(path, tensors):
    with open(path, "wb") as f:
        f.write(b"EXRF")
        f.write(struct.pack("<II", 1, len(tensors)))
        for name, value in tensors.items():
            a = np.ascontiguousarray(value.detach().cpu().numpy() if hasattr(value, "detach") else value)
            if a.dtype.kind in "iu":
                a, dtype = a.astype("<i4"), 1
            else:
                a, dtype = a.astype("<f4"), 0
            raw = name.encode()
            f.write(struct.pack("<I", len(raw)) + raw)
            f.write(struct.pack("<II", dtype, a.ndim))
            f.write(struct.pack("<%dq" % a.ndim, *a.shape))
            f.write(a.tobytes())
