"""A stand-in for the two `transformers` names llama.cpp's convert_hf_to_gguf.py imports.

Debian ships no `transformers` (and we install no pip packages), but the converter only
needs it to read config.json (AutoConfig; the converter falls back to reading the JSON
itself when AutoConfig raises) and the tokenizer (AutoTokenizer: the vocabulary, the added
tokens, and encode() for the pre-tokenizer fingerprint it hashes). The vocabulary comes
straight from tokenizer.json / tokenizer_config.json; encode() runs our own tokenizer
(`exaone tokenize --ids`, binary from $EXAONE_BIN), which test_tokenizer holds identical
to Hugging Face's on EXAONE 3.5 / 4.0 text. If it were not, the converter would not
recognise the fingerprint and stop, so the shim cannot hide a tokenizer mismatch.

    PYTHONPATH=tests/ref/hf_shim:LLAMA_CPP/gguf-py EXAONE_BIN=./exaone \
        /usr/bin/python3 LLAMA_CPP/convert_hf_to_gguf.py MODEL_DIR --outtype f32 --outfile F.gguf
"""
import json
import os
import subprocess
from pathlib import Path


class AutoConfig:
    @staticmethod
    def from_pretrained(path, **kwargs):
        raise OSError("hf_shim: no transformers here; read config.json directly")


class _AddedToken:
    def __init__(self, entry):
        self.content = entry["content"]
        self.special = bool(entry.get("special", False))
        self.normalized = bool(entry.get("normalized", False))


class _Tokenizer:
    def __init__(self, path):
        self.path = Path(path)
        tj = json.loads((self.path / "tokenizer.json").read_text(encoding="utf-8"))
        self.vocab = dict(tj["model"]["vocab"])
        self.added_tokens_decoder = {}
        for entry in tj.get("added_tokens", []):
            self.vocab[entry["content"]] = entry["id"]
            self.added_tokens_decoder[entry["id"]] = _AddedToken(entry)
        self._added = {t.content: i for i, t in self.added_tokens_decoder.items()}
        self._by_id = {i: s for s, i in self.vocab.items()}

    def get_vocab(self):
        return dict(self.vocab)

    def get_added_vocab(self):
        return dict(self._added)

    def encode(self, text, add_special_tokens=True):
        if text in self._added:
            return [self._added[text]]
        exe = os.environ.get("EXAONE_BIN", "./exaone")
        out = subprocess.run([exe, "tokenize", "-m", str(self.path), "--ids", "--", text], check=True,
                             capture_output=True).stdout.decode()
        return [int(t) for t in out.split()]

    def decode(self, ids, **kwargs):
        # Only called on the ids of one added token (decode(encode(token))).
        return "".join(self._by_id[i] for i in ids)


class AutoTokenizer:
    @staticmethod
    def from_pretrained(path, **kwargs):
        return _Tokenizer(path)
