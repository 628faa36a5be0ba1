#!/usr/bin/env python3
"""Writes the GGUF test fixtures in tests/fixtures/gguf/ with llama.cpp's own
gguf-py (the writer llama.cpp's converters use), so our reader is checked
against files we did not produce. Run by hand; the outputs are committed.

    /usr/bin/python3 tests/ref/make_gguf_fixtures.py /path/to/llama.cpp/gguf-py [outdir]

gguf-py needs only numpy; it is NOT vendored here. Outputs per fixture NAME:
  NAME.gguf            the file
  NAME.json            what was written: every key (type, element type, value) in
                       file order and every tensor (ggml type, ne, data files)
  NAME.TENSOR.f32      the float32 source values of each tensor (raw little-endian)
  NAME.TENSOR.deq.f32  gguf-py's dequantization of the stored bytes
"""
import json
import os
import sys
import types

import numpy as np

gguf_py = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GGUF_PY", "")
out_dir = sys.argv[2] if len(sys.argv) > 2 else "tests/fixtures/gguf"
if not gguf_py or not os.path.isdir(os.path.join(gguf_py, "gguf")):
    sys.exit("usage: make_gguf_fixtures.py GGUF_PY_DIR [OUTDIR]  (GGUF_PY_DIR contains gguf/)")
sys.path.insert(0, gguf_py)
# gguf/__init__ imports vocab.py, which imports sentencepiece at module level;
# nothing here uses it.
if "sentencepiece" not in sys.modules:
    stub = types.ModuleType("sentencepiece")
    stub.SentencePieceProcessor = object
    sys.modules["sentencepiece"] = stub
import gguf  # noqa: E402
from gguf import quants  # noqa: E402

T = gguf.GGUFValueType
Q = gguf.GGMLQuantizationType
os.makedirs(out_dir, exist_ok=True)


def jsonable(vtype, value, elem=None):
    """64-bit integers go to JSON as strings so no precision is lost."""
    if vtype == T.ARRAY:
        return [jsonable(elem_type_of(v), v, elem_type_of(v[0]) if isinstance(v, list) else None) for v in value]
    if vtype in (T.UINT64, T.INT64):
        return str(int(value))
    if vtype == T.FLOAT32:
        return float(np.float32(value))
    if vtype == T.STRING:
        return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value
    return value


def elem_type_of(v):
    return T.get_type(v)


class Fixture:
    def __init__(self, name, alignment=None):
        self.name = name
        self.w = gguf.GGUFWriter(os.path.join(out_dir, name + ".gguf"), "exaone")
        self.kvs = [{"key": "general.architecture", "type": int(T.STRING), "value": "exaone"}]
        self.tensors = []
        if alignment:
            self.w.add_custom_alignment(alignment)
            self.kvs.append({"key": "general.alignment", "type": int(T.UINT32), "value": alignment})

    def kv(self, key, vtype, value):
        adders = {T.UINT8: self.w.add_uint8, T.INT8: self.w.add_int8, T.UINT16: self.w.add_uint16,
                  T.INT16: self.w.add_int16, T.UINT32: self.w.add_uint32, T.INT32: self.w.add_int32,
                  T.FLOAT32: self.w.add_float32, T.BOOL: self.w.add_bool, T.STRING: self.w.add_string,
                  T.UINT64: self.w.add_uint64, T.INT64: self.w.add_int64, T.FLOAT64: self.w.add_float64}
        adders[vtype](key, value)
        self.kvs.append({"key": key, "type": int(vtype), "value": jsonable(vtype, value)})

    def array(self, key, values):
        self.w.add_array(key, values)
        elem = T.UINT8 if isinstance(values, bytes) else T.get_type(values[0])
        entry = {"key": key, "type": int(T.ARRAY), "elem_type": int(elem), "n": len(values)}
        if elem == T.ARRAY:
            entry["value"] = [[jsonable(T.get_type(x), x) for x in inner] for inner in values]
            entry["inner_elem_type"] = int(T.get_type(values[0][0]))
        else:
            entry["value"] = list(values) if isinstance(values, bytes) else [jsonable(elem, v) for v in values]
        self.kvs.append(entry)

    def tensor(self, name, values, qtype):
        """values: float32 array in PyTorch order (last dim = rows of ne[0])."""
        values = np.ascontiguousarray(values)
        base = f"{self.name}.{name}"
        values.astype(np.float32).tofile(os.path.join(out_dir, base + ".f32"))
        if qtype in (Q.Q8_0, Q.Q4_0):
            stored = quants.quantize(values.astype(np.float32), qtype)
            self.w.add_tensor(name, stored, raw_dtype=qtype)
            deq = quants.dequantize(stored, qtype).astype(np.float32)
        else:
            np_type = {Q.F32: np.float32, Q.F16: np.float16, Q.I32: np.int32, Q.I8: np.int8}[qtype]
            stored = values.astype(np_type)
            self.w.add_tensor(name, stored)
            deq = stored.astype(np.float32)
        deq.tofile(os.path.join(out_dir, base + ".deq.f32"))
        self.tensors.append({"name": name, "type": int(qtype), "ne": list(reversed(values.shape)),
                             "f32": base + ".f32", "deq": base + ".deq.f32", "stored": stored})

    def write(self):
        self.w.write_header_to_file()
        self.w.write_kv_data_to_file()
        self.w.write_tensors_to_file()
        self.w.close()
        for t in self.tensors:
            del t["stored"]
        with open(os.path.join(out_dir, self.name + ".json"), "w") as f:
            json.dump({"kvs": self.kvs, "tensors": self.tensors}, f, indent=1, ensure_ascii=False)
            f.write("\n")
        # Cross-check with gguf-py's own reader: same keys in the same order.
        r = gguf.GGUFReader(os.path.join(out_dir, self.name + ".gguf"))
        keys = [k for k in r.fields.keys() if not k.startswith("GGUF.")]
        assert keys == [kv["key"] for kv in self.kvs], (keys, [kv["key"] for kv in self.kvs])


rng = np.random.default_rng(20241123)

# Every value type, nested arrays and a few tensors.
f = Fixture("types")
f.kv("test.u8", T.UINT8, 200)
f.kv("test.i8", T.INT8, -100)
f.kv("test.u16", T.UINT16, 65000)
f.kv("test.i16", T.INT16, -32000)
f.kv("test.u32", T.UINT32, 4000000000)
f.kv("test.i32", T.INT32, -2000000000)
f.kv("test.f32", T.FLOAT32, 3.14159)
f.kv("test.bool_true", T.BOOL, True)
f.kv("test.bool_false", T.BOOL, False)
f.kv("test.string", T.STRING, "EXAONE 한국어 text")
f.kv("test.u64", T.UINT64, 18446744073709551615)
f.kv("test.i64", T.INT64, -9223372036854775807)
f.kv("test.f64", T.FLOAT64, 2.718281828459045)
f.kv("exaone.context_length", T.UINT32, 4096)
f.array("test.arr_u8", b"\x00\x01\xfe\xff")
f.array("test.arr_i32", [1, -2, 3, 2147483647])
f.array("test.arr_f32", [0.5, -1.25, 1e-3])
f.array("test.arr_bool", [True, False, True])
f.array("tokenizer.ggml.tokens", ["<s>", "</s>", "안녕", "hello", ""])
f.array("test.arr_nested", [[1, 2], [3, 4, 5]])
f.tensor("small.weight", rng.standard_normal((2, 8)).astype(np.float32), Q.F32)
f.tensor("ids", np.arange(-3, 5).astype(np.float32), Q.I32)
f.write()

# Tensors of each storage type we run on.
f = Fixture("tensors")
f.kv("general.name", T.STRING, "tiny")
f.kv("exaone.context_length", T.UINT32, 2048)
f.kv("exaone.embedding_length", T.UINT32, 64)
f.kv("exaone.attention.layer_norm_rms_epsilon", T.FLOAT32, 1e-5)
f.array("tokenizer.ggml.scores", [0.0, -1.5, -2.25])
f.tensor("f32.weight", rng.standard_normal((4, 8)).astype(np.float32), Q.F32)
f.tensor("f16.weight", rng.standard_normal((3, 32)).astype(np.float32), Q.F16)
f.tensor("q8_0.weight", rng.standard_normal((4, 64)).astype(np.float32), Q.Q8_0)
f.tensor("q4_0.weight", rng.standard_normal((4, 64)).astype(np.float32), Q.Q4_0)
f.tensor("norm.weight", (1 + 0.1 * rng.standard_normal(5)).astype(np.float32), Q.F32)
f.tensor("i8.weight", np.array([-128, -1, 0, 1, 127, 5], dtype=np.float32), Q.I8)
f.write()

# A non-default alignment.
f = Fixture("align64", alignment=64)
f.kv("general.name", T.STRING, "aligned")
f.tensor("a.weight", rng.standard_normal((3, 5)).astype(np.float32), Q.F32)
f.tensor("b.weight", rng.standard_normal((2, 32)).astype(np.float32), Q.Q8_0)
f.tensor("c.weight", rng.standard_normal(7).astype(np.float32), Q.F16)
f.write()
print("wrote fixtures to", out_dir)
