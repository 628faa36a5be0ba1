#!/usr/bin/python3
"""run_convert.py LLAMA_CPP_DIR ARGS... — runs llama.cpp's own convert_hf_to_gguf.py, unchanged,
with Debian's Python: gguf-py from LLAMA_CPP_DIR, and the stand-in `transformers` beside this
file (see transformers/__init__.py). Debian's torch (1.13) predates the float8 dtypes, which
the converter names only to recognise fp8 checkpoints; they are given placeholder dtypes that
no safetensors file of ours contains, so no conversion path changes.

    EXAONE_BIN=./exaone /usr/bin/python3 tests/ref/hf_shim/run_convert.py $LLAMA_CPP \
        MODEL_DIR --outtype f32 --outfile OUT.gguf
"""
import os
import runpy
import sys

import torch

if len(sys.argv) < 2 or not os.path.isfile(os.path.join(sys.argv[1], "convert_hf_to_gguf.py")):
    sys.exit("usage: run_convert.py LLAMA_CPP_DIR ARGS...  (LLAMA_CPP_DIR holds convert_hf_to_gguf.py)")
llama_cpp = sys.argv[1]
for name, placeholder in (("float8_e4m3fn", torch.qint8), ("float8_e5m2", torch.quint8)):
    if not hasattr(torch, name):
        setattr(torch, name, placeholder)
sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.join(llama_cpp, "gguf-py"), llama_cpp]
script = os.path.join(llama_cpp, "convert_hf_to_gguf.py")
sys.argv = [script] + sys.argv[2:]
runpy.run_path(script, run_name="__main__")
