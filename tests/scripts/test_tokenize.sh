# exaone tokenize: output formats, "--", stdin byte for byte, chat, decode, train,
# errors. Expected ids come from HF tokenizers (tests/ref/hf_encode.js) or from the
# golden files, never from our own output.
source tests/scripts/lib.sh
TINY=tests/data/tiny_tokenizer.json
expect_output "usage: exaone tokenize" $EXAONE tokenize --help
expect_stderr "unknown option" 2 $EXAONE tokenize -m $TINY --bogus
expect_stderr "-m MODEL is required" 2 $EXAONE tokenize hello
expect_stderr "no such file" 1 $EXAONE tokenize -m /nonexistent/model hello
expect_stderr "invalid JSON" 1 $EXAONE tokenize -m tests/fuzz/corpus/tokenizer_json/bad.json hello

# HF's ids for a few texts, through the oracle (skipped without node_modules).
hf_ids() { # TOKENIZER TEXT_FILE -> ids on one line
    /usr/bin/python3 -c 'import json,sys; print(json.dumps({"text": open(sys.argv[1], encoding="utf-8", newline="").read()}))' "$2" > "$TMP/in.jsonl"
    NODE_PATH=tests/ref/node_modules node tests/ref/hf_encode.js "$1" "$TMP/in.jsonl" "$TMP/hf.jsonl" &&
        /usr/bin/python3 -c 'import json,sys; print(" ".join(map(str, json.loads(open(sys.argv[1]).readline())["ids"])))' "$TMP/hf.jsonl"
}
if [ -d tests/ref/node_modules/@anush008/tokenizers ]; then
    printf -- '-leading dash and trailing newline\n\n' > "$TMP/text"
    want=$(hf_ids $TINY "$TMP/text")
    got=$($EXAONE tokenize -m $TINY --ids < "$TMP/text")
    [ "$got" = "$want" ] && _pass "stdin byte for byte (trailing newlines kept)" || _fail "stdin" "got  $got" "want $want"
    got=$($EXAONE tokenize -m $TINY --ids -- "$(cat "$TMP/text")")  # $( ) strips the newlines
    printf -- '-leading dash and trailing newline' > "$TMP/text2"
    want=$(hf_ids $TINY "$TMP/text2")
    [ "$got" = "$want" ] && _pass "-- lets TEXT start with -" || _fail "--" "got  $got" "want $want"
    printf '한국어 [|user|] text <t2i> 12' > "$TMP/text3"
    want=$(hf_ids $TINY "$TMP/text3")
    got=$($EXAONE tokenize -m $TINY --threads 2 "$(cat "$TMP/text3")")
    [ "$got" = "$want" ] && _pass "special tokens matched before BPE" || _fail "specials" "got  $got" "want $want"
else
    skip "HF oracle comparisons (tests/ref/node_modules missing)"
fi

# --pieces / --json agree with --ids; --decode inverts.
ids=$($EXAONE tokenize -m $TINY "hello 세계")
json=$($EXAONE tokenize -m $TINY --json "hello 세계")
pieces=$($EXAONE tokenize -m $TINY --pieces "hello 세계" | wc -l)
n=$(echo "$ids" | wc -w)
echo "$json" | /usr/bin/python3 -c "import json,sys; o=json.load(sys.stdin); sys.exit(0 if ' '.join(map(str,o['ids']))=='$ids' and len(o['tokens'])==$n else 1)" &&
    [ "$pieces" = "$n" ] && _pass "--ids, --json and --pieces agree" || _fail "formats" "$ids" "$json"
expect_output "hello 세계" $EXAONE tokenize -m $TINY --decode "$ids"

# Chat rendering against the golden prompts (HF transformers + tokenizers made them).
SHARED=""
for d in ../shared/exaone shared/exaone; do [ -f "$d/README.md" ] && SHARED=$d && break; done
[ -n "${EXAONE_SHARED:-}" ] && SHARED=$EXAONE_SHARED
if [ -n "$SHARED" ]; then
    for model in EXAONE-4.0-1.2B EXAONE-3.5-2.4B-Instruct; do
        n=0
        while IFS= read -r line; do
            n=$((n + 1))
            echo "$line" > "$TMP/chat.json"
            want=$(echo "$line" | /usr/bin/python3 -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin)["ids"])))')
            got=$($EXAONE tokenize -m "$SHARED/$model" --chat "$TMP/chat.json")
            [ "$got" = "$want" ] && _pass "$model chat example $n" || _fail "$model chat $n" "got  $got" "want $want"
        done < "$SHARED/$model/golden-chat.jsonl"
    done
    echo '[{"role": "user", "content": "hi"}]' > "$TMP/msgs.json"
    echo '{{ messages }}' > "$TMP/tpl.jinja"
    expect_stderr "unrecognised chat template" 1 $EXAONE tokenize -m "$SHARED/EXAONE-4.0-1.2B" --chat "$TMP/msgs.json" --chat-template "$TMP/tpl.jinja"
    expect_output "[|user|]hi" $EXAONE tokenize -m "$SHARED/EXAONE-4.0-1.2B" --chat "$TMP/msgs.json" --chat-template exaone3 --text
else
    skip "chat examples (../shared/exaone is absent)"
fi
expect_stderr "no chat template" 1 $EXAONE tokenize -m $TINY --chat tests/data/ko_en_corpus.txt

# -m FILE.gguf: the GGUF that test_tokenizer writes from the EXAONE 4.0 files.
if [ -n "$SHARED" ] && [ -f build/tmp/tokenizer-exaone4.gguf ]; then
    line=$(head -n 1 "$SHARED/EXAONE-4.0-1.2B/golden.jsonl")
    echo "$line" | /usr/bin/python3 -c 'import json,sys; sys.stdout.write(json.load(sys.stdin)["text"])' > "$TMP/g.txt"
    want=$(echo "$line" | /usr/bin/python3 -c 'import json,sys; print(" ".join(map(str, json.load(sys.stdin)["ids"])))')
    got=$($EXAONE tokenize -m build/tmp/tokenizer-exaone4.gguf < "$TMP/g.txt")
    [ "$got" = "$want" ] && _pass "-m tokenizer.gguf" || _fail "-m gguf" "got  $got" "want $want"
else
    skip "-m FILE.gguf (no build/tmp/tokenizer-exaone4.gguf from test_tokenizer)"
fi

# Training writes a tokenizer that loads.
expect_exit 0 $EXAONE -q tokenize --train -o "$TMP/trained.json" --vocab-size 400 --special "<x>" tests/data/ko_en_corpus.txt
expect_output "<x>" $EXAONE tokenize -m "$TMP/trained.json" --pieces "a<x>b"
expect_stderr "needs -o" 2 $EXAONE tokenize --train tests/data/ko_en_corpus.txt
finish
