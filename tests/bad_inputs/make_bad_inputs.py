#!/usr/bin/env python3
"""Writes the bad-input table for `exaone info`: one small file per case and
cases.tsv (file, expected exit code, text the error message must contain).
Run by hand from the repository root; outputs are committed.

    python3 tests/bad_inputs/make_bad_inputs.py
"""
import json
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
cases = []


def emit(name, data, text, code=1):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    cases.append((name, code, text))


# ---- safetensors -----------------------------------------------------------------
def st(header, data=b"", raw_header=None):
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(h)) + h + data


def t(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


emit("st_valid.safetensors", st({"__metadata__": {"format": "pt"}, "a": t("F32", [2], 0, 8), "b": t("I8", [3], 8, 11)},
                                 bytes(range(11))), "", 0)
emit("st_short.safetensors", b"\x05\x00\x00", "too short")
emit("st_header_huge.safetensors", struct.pack("<Q", 1 << 63) + b"{}", "100 MB limit")
emit("st_header_past_end.safetensors", struct.pack("<Q", 1000) + b"{}", "larger than the file")
emit("st_bad_json.safetensors", st(None, raw_header=b'{"a": {"dtype": '), "not valid JSON")
emit("st_trailing_garbage.safetensors", st(None, b"\0" * 4, raw_header=b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  x'),
     "unexpected bytes after the JSON header at byte offset 64")
emit("st_not_object.safetensors", st([1, 2]), "not a JSON object")
emit("st_unknown_dtype.safetensors", st({"a": t("XF32", [1], 0, 4)}, b"\0" * 4), "unknown dtype")
emit("st_unsupported_dtype.safetensors", st({"a": t("U8", [4], 0, 4)}, b"\0" * 4), "not supported")
emit("st_shape_mismatch.safetensors", st({"a": t("F32", [2, 3], 0, 20)}, b"\0" * 20), "needs 24 bytes")
emit("st_shape_overflow.safetensors", st({"a": t("F32", [2**32, 2**32, 16], 0, 4)}, b"\0" * 4), "overflows")
emit("st_offsets_past_end.safetensors", st({"a": t("F32", [250], 0, 1000)}, b"\0" * 8), "past the data section")
emit("st_overlap.safetensors", st({"a": t("F32", [2], 0, 8), "b": t("F32", [2], 4, 12)}, b"\0" * 12), "overlaps")
emit("st_gap.safetensors", st({"a": t("F32", [2], 0, 8), "b": t("F32", [2], 12, 20)}, b"\0" * 20), "gap of 4 bytes")
emit("st_trailing.safetensors", st({"a": t("F32", [2], 0, 8)}, b"\0" * 12), "after the last tensor")
emit("st_backwards.safetensors", st({"a": t("F32", [0], 8, 0)}, b"\0" * 8), "run backwards")
emit("st_bad_utf8_name.safetensors",
     st(None, b"\0" * 4, raw_header=b'{"a\xff\xfe":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'), "not valid UTF-8")
emit("st_duplicate.safetensors",
     st(None, b"\0" * 8, raw_header=b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
                                    b'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'), "appears twice")
emit("st_metadata_nonstring.safetensors", st({"__metadata__": {"k": 1}}), "not a string")
emit("st_too_many_dims.safetensors", st({"a": t("F32", [1] * 9, 0, 4)}, b"\0" * 4), "9 dimensions")
emit("st_negative_dim.safetensors", st({"a": t("F32", [-1], 0, 4)}, b"\0" * 4), "shape[0]")
emit("st_float_offset.safetensors", st({"a": t("F32", [1], 0.5, 4)}, b"\0" * 4), "not non-negative integers")


# ---- GGUF --------------------------------------------------------------------------
def gstr(s):
    b = s if isinstance(s, bytes) else s.encode()
    return struct.pack("<Q", len(b)) + b


def kv_u32(key, v):
    return gstr(key) + struct.pack("<II", 4, v)


def tinfo(name, ne, typ, offset):
    return gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", n) for n in ne) + struct.pack("<IQ", typ, offset)


def gguf(kvs=(), infos=(), data=b"", n_kv=None, n_tensors=None, version=3, magic=b"GGUF", align=32):
    head = magic + struct.pack("<IQQ", version, len(infos) if n_tensors is None else n_tensors,
                               len(kvs) if n_kv is None else n_kv)
    body = head + b"".join(kvs) + b"".join(infos)
    if align:
        body += b"\0" * ((align - len(body) % align) % align)
    return body + data


f32x4 = struct.pack("<4f", 1, 2, 3, 4)
emit("gguf_valid.gguf", gguf([kv_u32("exaone.context_length", 64), gstr("general.architecture") + struct.pack("<I", 8) + gstr("exaone")],
                             [tinfo("a", [4], 0, 0), tinfo("b", [2], 0, 32)], f32x4 + b"\0" * 16 + f32x4[:8] + b"\0" * 24), "", 0)
emit("gguf_bad_magic.gguf", gguf(magic=b"GGUX"), "magic")
emit("gguf_v1.gguf", gguf(version=1), "version 1")
emit("gguf_big_endian.gguf", gguf(version=3 << 24), "big-endian")
emit("gguf_kv_count_2_63.gguf", gguf(n_kv=1 << 63), "key/value count 9223372036854775808")
emit("gguf_tensor_count_2_63.gguf", gguf(n_tensors=1 << 63), "tensor count 9223372036854775808")
emit("gguf_string_past_eof.gguf", gguf([struct.pack("<Q", 1 << 40) + b"key" + b"\0" * 16], n_kv=1, align=0), "has length 1099511627776")
emit("gguf_array_count_huge.gguf", gguf([gstr("k") + struct.pack("<IIQ", 9, 4, 1 << 62)], align=0), "cannot fit")
emit("gguf_bad_value_type.gguf", gguf([gstr("k") + struct.pack("<I", 13) + b"\0" * 8], align=0), "invalid value type 13")
emit("gguf_nested_deep.gguf", gguf([gstr("k") + struct.pack("<I", 9) + struct.pack("<IQ", 9, 1) * 9 + struct.pack("<IQ", 0, 1) + b"\0"], align=0),
     "nested deeper")
emit("gguf_empty_key.gguf", gguf([gstr("") + struct.pack("<II", 4, 1)]), "empty key")
emit("gguf_dup_key.gguf", gguf([kv_u32("k", 1), kv_u32("k", 2)]), "duplicate key 'k'")
emit("gguf_dims_overflow.gguf", gguf(infos=[tinfo("a", [1 << 32, 1 << 32, 1 << 32], 0, 0)]), "overflows")
emit("gguf_too_many_dims.gguf", gguf(infos=[tinfo("a", [1] * 5, 0, 0)]), "5 dimensions")
emit("gguf_unknown_type.gguf", gguf(infos=[tinfo("a", [4], 4, 0)], data=b"\0" * 32), "unknown ggml type 4")
emit("gguf_block_mismatch.gguf", gguf(infos=[tinfo("a", [31], 8, 0)], data=b"\0" * 64), "not a multiple of the q8_0 block size")
emit("gguf_offset_past_end.gguf", gguf(infos=[tinfo("a", [4], 0, 1 << 40)], data=f32x4), "runs past the end")
emit("gguf_size_past_end.gguf", gguf(infos=[tinfo("a", [1 << 40], 0, 0)], data=f32x4), "runs past the end")
emit("gguf_overlap.gguf", gguf(infos=[tinfo("a", [4], 0, 0), tinfo("b", [4], 0, 0)], data=f32x4 * 8), "overlaps")
emit("gguf_gap.gguf", gguf(infos=[tinfo("a", [4], 0, 0), tinfo("b", [4], 0, 64)], data=f32x4 * 8), "leaves a gap")
emit("gguf_misaligned.gguf", gguf(infos=[tinfo("a", [4], 0, 4)], data=f32x4 * 4), "not a multiple of the alignment")
emit("gguf_align_zero.gguf", gguf([kv_u32("general.alignment", 0)], [tinfo("a", [4], 0, 0)], f32x4), "not a power of two")
emit("gguf_align_3.gguf", gguf([kv_u32("general.alignment", 3)], [tinfo("a", [4], 0, 0)], f32x4), "not a power of two")
emit("gguf_align_wrong_type.gguf", gguf([gstr("general.alignment") + struct.pack("<IQ", 10, 32)]), "must be u32")
emit("gguf_bad_utf8_name.gguf", gguf(infos=[tinfo(b"a\xc0\x80", [4], 0, 0)], data=f32x4), "not valid UTF-8")
emit("gguf_dup_tensor.gguf", gguf(infos=[tinfo("a", [4], 0, 0), tinfo("a", [4], 0, 32)], data=f32x4 * 4), "duplicate tensor name 'a'")
emit("gguf_truncated_header.gguf", b"GGUF\x03\x00\x00\x00\x01", "truncated")

with open(os.path.join(HERE, "cases.tsv"), "w") as f:
    f.write("# file\texit code\ttext the error must contain (exaone info FILE)\n")
    for name, code, text in cases:
        f.write(f"{name}\t{code}\t{text}\n")
print(len(cases), "cases")
