#!/usr/bin/env bash
# bench/tokenizer.sh — encode MB/s of our tokenizer vs HF tokenizers (Rust, via
# the npm native binding @anush008/tokenizers) on >= 5 MB of mixed Korean/English
# text built from this machine (bench/make_corpus.py), in one run, back to back.
# Usage: bench/tokenizer.sh [TOKENIZER_JSON] [MIN_BYTES]
set -eu
cd "$(dirname "$0")/.."
tok=${1:-}
if [ -z "$tok" ]; then
    for d in ../shared/exaone /work/shared/exaone; do
        [ -f "$d/EXAONE-4.0-1.2B/tokenizer.json" ] && tok="$d/EXAONE-4.0-1.2B/tokenizer.json" && break
    done
fi
[ -n "$tok" ] || { echo "bench/tokenizer.sh: no EXAONE tokenizer.json (../shared absent); pass one" >&2; exit 1; }
min_bytes=${2:-6000000}
out=build/bench
mkdir -p "$out"
[ -f build/libexaone.a ] || make -s build/libexaone.a
cc -std=c11 -D_GNU_SOURCE -O3 -march=x86-64-v3 -Isrc -o "$out/tokenizer_bench" bench/tokenizer_bench.c build/libexaone.a \
    $(pkg-config --libs libpcre2-8 libutf8proc libcjson) -lm -pthread
/usr/bin/python3 bench/make_corpus.py "$out/corpus.txt" "$min_bytes"
[ -d tests/ref/node_modules ] || tools/install-deps test
echo "tokenizer: $tok"
ours=$("$out/tokenizer_bench" "$tok" "$out/corpus.txt" 1 2)
echo "$ours" | sed 's/^/ours /'
hf=$(NODE_PATH=tests/ref/node_modules RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false node bench/tokenizer_hf.js "$tok" "$out/corpus.txt")
echo "$hf"
one=$(echo "$ours" | awk '/^threads 1:/ {print $3}')
two=$(echo "$ours" | awk '/^threads 2:/ {print $3}')
ref=$(echo "$hf" | awk '{print $2}')
ids_ours=$(echo "$ours" | awk '/^threads 1:/ {print $6}' | tr -d ,)
ids_hf=$(echo "$hf" | awk '{print $5}' | tr -d ,)
hash_ours=$(echo "$ours" | awk '/^threads 1:/ {print $NF}')
hash_two=$(echo "$ours" | awk '/^threads 2:/ {print $NF}')
hash_hf=$(echo "$hf" | awk '{print $NF}')
if [ "$ids_ours" = "$ids_hf" ] && [ "$hash_ours" = "$hash_hf" ] && [ "$hash_two" = "$hash_hf" ]; then
    echo "identical ids: $ids_ours ids, FNV-1a $hash_ours (1 and 2 threads) = HF's"
else
    echo "WARNING: ids differ: ours $ids_ours ($hash_ours, 2 threads $hash_two), hf $ids_hf ($hash_hf)"
fi
one_cpu=$(echo "$ours" | awk '/^threads 1:/ {print $8}')
ref_cpu=$(echo "$hf" | awk '{print $7}')
one_first=$(echo "$ours" | awk '/^threads 1:/ {print $14}')
ref_first=$(echo "$hf" | awk '{print $11}')
awk -v a="$one" -v b="$two" -v r="$ref" -v ac="$one_cpu" -v rc="$ref_cpu" -v af="$one_first" -v rf="$ref_first" 'BEGIN {
    printf "ratio vs HF tokenizers (wall clock, best of 3): %.1fx (1 thread), %.1fx (2 threads)\n", a / r, b / r
    printf "ratio vs HF tokenizers (first run, cold caches, 1 thread): %.1fx\n", af / rf
    printf "ratio vs HF tokenizers (CPU time, 1 thread): %.1fx\n", ac / rc }'
