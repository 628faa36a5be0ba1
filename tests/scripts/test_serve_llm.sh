#!/usr/bin/env bash
# exaone serve with EXAONE 3.x/4.0 models added by -m: greedy completions
# against PyTorch + HF tokenizers (tests/api/llm.mjs) on the tiny reference
# checkpoints of tests/ref/exaone_ref.py (built once into build/ref/exaone_ref,
# shared with test_llm.sh).
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
REF=build/ref/exaone_ref
if [ ! -f $REF/.done ]; then
    mkdir -p $REF && /usr/bin/python3 tests/ref/exaone_ref.py $REF > /dev/null && touch $REF/.done
fi
if [ ! -f $REF/exaone30/tokenizer.json ] || [ ! -d tests/ref/node_modules/openai ]; then
    skip "no reference checkpoints with tokenizers (needs /work/shared/exaone) or no npm clients"; finish; exit
fi
if serve_start -m $REF/exaone30 -m $REF/exaone35 -m $REF/exaone4_full; then
    curl -s "$SERVE_URL/v1/models" | grep -q '"id":"exaone4_full"' && _pass "-m models listed by folder name" || _fail "models listed"
    node tests/api/llm.mjs "$SERVE_URL" $REF exaone30 exaone35 exaone4_full > "$TMP/llm.log" 2>&1
    while IFS= read -r line; do
        case $line in "ok   "*) _pass "llm: ${line#ok   }" ;; "FAIL "*) _fail "llm: ${line#FAIL }" ;; "  "*) echo "$line" ;; esac
    done < "$TMP/llm.log"
    grep -q '^llm: ' "$TMP/llm.log" || _fail "llm.mjs crashed" "$(tail -n 5 "$TMP/llm.log")"
else
    _fail "serve -m (EXAONE models) starts"
fi
serve_stop
finish
