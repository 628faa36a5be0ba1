#!/usr/bin/env bash
# test_tune.sh — `exaone tune`, `exaone lora merge` and `chat --lora` end to end on the
# tiny 4.0 reference checkpoint (tests/ref/exaone_ref.py, with the real EXAONE tokenizer
# and chat template): the base files' SHA-256 are unchanged after tuning (f32 folder and
# q4_0 GGUF bases), the held-out loss drops, a stopped + resumed run writes the same
# adapter as an uninterrupted one, greedy chat with --lora equals chat on the merged model,
# and `serve -m BASE --lora NAME=DIR` answers a request with "lora": "NAME" as chat --lora does.
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
REF=build/ref/exaone_ref
if [ ! -f $REF/.done ]; then
    mkdir -p $REF && /usr/bin/python3 tests/ref/exaone_ref.py $REF > /dev/null && touch $REF/.done
fi
M=$REF/exaone4_full

expect_output "usage: exaone tune" $EXAONE tune --help
expect_output "usage: exaone lora merge" $EXAONE lora --help
expect_exit 2 $EXAONE tune --bogus
expect_exit 2 $EXAONE tune -m $M
expect_exit 2 $EXAONE tune -m $M --data x -o y --targets q_proj,nope
expect_exit 2 $EXAONE lora split a b c

if [ ! -f $M/tokenizer.json ]; then
    skip "tune runs (no shared EXAONE tokenizer)"
    finish
    exit $?
fi

expect_stderr "missing.jsonl: cannot open" 1 $EXAONE tune -m $M --data $TMP/missing.jsonl -o $TMP/a

# 12 conversations: the answer is always the same JSON object, whatever the question
/usr/bin/python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
qs = ["What is the capital of France?", "2+2?", "Tell me a joke.", "안녕하세요?", "Name a colour.",
      "How old is the sun?", "Who wrote Hamlet?", "What is pi?", "Translate cat to Korean.", "Sum 1..10?",
      "Is water wet?", "Largest planet?"]
with open(f"{d}/train.jsonl", "w") as f, open(f"{d}/held.jsonl", "w") as g:
    for i, q in enumerate(qs):
        msg = {"messages": [{"role": "user", "content": q},
                            {"role": "assistant", "content": "{\"status\": \"ok\"}"}]}
        (g if i >= 9 else f).write(json.dumps(msg, ensure_ascii=False) + "\n")
    f.write("\n")
PY
printf '{"messages": [{"role": "user", "content": "hi"}]}\n' > $TMP/noanswer.jsonl
expect_stderr "noanswer.jsonl:1: no assistant message" 1 $EXAONE tune -m $M --data $TMP/noanswer.jsonl -o $TMP/x
printf '{"messages": 3}\n' > $TMP/bad.jsonl
expect_stderr "bad.jsonl:1: expected" 1 $EXAONE tune -m $M --data $TMP/bad.jsonl -o $TMP/x

sum_before=$(sha256sum $M/model.safetensors $M/config.json $M/tokenizer.json)
args="-m $M --data $TMP/train.jsonl --eval $TMP/held.jsonl --targets all --rank 4 --alpha 8 --lr 1e-2 --epochs 4 --batch 3 -t 2"
expect_output "steps=12" $EXAONE tune $args -o $TMP/full
[ "$(sha256sum $M/model.safetensors $M/config.json $M/tokenizer.json)" = "$sum_before" ] &&
    _pass "base SHA-256 unchanged after tuning" || _fail "base files changed by tune"
read before after < <(sed -n 's/.*eval_before=\([0-9.]*\) eval_after=\([0-9.]*\).*/\1 \2/p' $TMP/out)
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$after') < 0.5 * float('$before') else 1)" &&
    _pass "held-out loss drops ($before -> $after)" || _fail "held-out loss $before -> $after"
for f in adapter_config.json adapter_model.safetensors loss.csv loss.png tune-checkpoint.safetensors; do
    [ -s $TMP/full/$f ] && _pass "wrote $f" || _fail "no $f"
done
[ "$(wc -l < $TMP/full/loss.csv)" = 13 ] && _pass "loss.csv: one row per step" || _fail "loss.csv rows"

# stop after 5 steps, resume: the same adapter bytes as the uninterrupted run
expect_output "steps=5" $EXAONE tune $args -o $TMP/part --max-steps 5
echo "6,9.9,1,1.0" >> $TMP/part/loss.csv # a step logged after the last checkpoint (as if killed)
expect_output "steps=7" $EXAONE tune $args -o $TMP/part --resume
[ "$(wc -l < $TMP/part/loss.csv)" = 13 ] && ! grep -q "^6,9.9," $TMP/part/loss.csv &&
    _pass "resume drops loss.csv rows past the checkpoint" || _fail "loss.csv after resume" "$(cat $TMP/part/loss.csv)"
cmp -s $TMP/full/adapter_model.safetensors $TMP/part/adapter_model.safetensors &&
    _pass "resumed run == uninterrupted run" || _fail "resumed adapter differs"
expect_stderr "tensors" 1 $EXAONE tune $args --rank 2 -o $TMP/part --resume

# the adapter in chat vs merged into the weights: same greedy answer
expect_exit 0 $EXAONE lora merge $M $TMP/full $TMP/merged
a=$($EXAONE chat -m $M --lora $TMP/full -p "Who are you?" --temp 0 -n 12 -t 1 2>/dev/null)
b=$($EXAONE chat -m $TMP/merged -p "Who are you?" --temp 0 -n 12 -t 1 2>/dev/null)
c=$($EXAONE chat -m $M -p "Who are you?" --temp 0 -n 12 -t 1 2>/dev/null)
[ -n "$a" ] && [ "$a" = "$b" ] && _pass "chat --lora == chat on the merged model" || _fail "lora '$a' vs merged '$b'"
[ "$a" != "$c" ] && _pass "the adapter changes the answer" || _fail "adapter had no effect"
expect_stderr "adapter_config.json" 1 $EXAONE chat -m $M --lora $TMP/nothing -p hi -n 1

# serve: the adapter as model exaone4_full+json next to the plain model, picked per request
ask() { # JSON fields after the messages -> the greedy answer's text
    curl -s $SERVE_URL/v1/chat/completions -H 'Content-Type: application/json' -d \
        "{\"messages\": [{\"role\": \"user\", \"content\": \"Who are you?\"}], \"max_tokens\": 12, \"temperature\": 0, $1}" |
        /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["choices"][0]["message"]["content"])'
}
if serve_start -m $M --lora json=$TMP/full; then
    curl -s $SERVE_URL/v1/models | grep -q '"exaone4_full+json"' && _pass "serve lists exaone4_full+json" ||
        _fail "/v1/models" "$(curl -s $SERVE_URL/v1/models)"
    s_base=$(ask '"model": "exaone4_full"')
    s_lora=$(ask '"model": "exaone4_full", "lora": "json"')
    s_any=$(ask '"lora": "json"')
    [ -n "$s_lora" ] && [ "$s_lora" = "$a" ] && _pass "serve \"lora\": \"json\" == chat --lora (greedy)" ||
        _fail "serve with lora '$s_lora' vs chat --lora '$a'"
    [ "$s_base" = "$c" ] && [ "$s_base" != "$s_lora" ] && _pass "serve without lora == chat without, and differs" ||
        _fail "serve without lora '$s_base' vs chat '$c'"
    [ "$s_any" = "$s_lora" ] && _pass "\"lora\" alone finds the model carrying it" || _fail "lora alone: '$s_any'"
    code=$(curl -s -o $TMP/e.json -w '%{http_code}' $SERVE_URL/v1/chat/completions -H 'Content-Type: application/json' \
        -d '{"model": "exaone4_full", "lora": "nope", "messages": [{"role": "user", "content": "hi"}]}')
    [ "$code" = 404 ] && grep -q lora_not_found $TMP/e.json && grep -q "'nope'" $TMP/e.json &&
        _pass "unknown adapter: 404 lora_not_found naming it" || _fail "unknown adapter: $code" "$(cat $TMP/e.json)"
else
    _fail "serve -m --lora starts" "$(cat $TMP/serve.err)"
fi
serve_stop
# an adapter that does not fit its model (3.0 module names) stops the server with the file named
serve_start -m $REF/exaone30 --lora json=$TMP/full > /dev/null
grep -q "full/adapter_model.safetensors" $TMP/serve.err && ! kill -0 $SERVE_PID 2> /dev/null &&
    _pass "serve: a mismatched adapter is refused at start" || _fail "mismatched adapter" "$(cat $TMP/serve.err)"
serve_stop

# a q4_0 GGUF base: tuned read-only too
expect_exit 0 $EXAONE quantize $M $TMP/h.q4_0.gguf q4_0
sum_q=$(sha256sum $TMP/h.q4_0.gguf)
expect_stderr "safetensors base" 1 $EXAONE lora merge $TMP/h.q4_0.gguf $TMP/full $TMP/m2
expect_output "steps=3" $EXAONE tune -m $TMP/h.q4_0.gguf --data $TMP/train.jsonl --targets q_proj,v_proj,down_proj \
    --epochs 1 --batch 3 -t 2 -o $TMP/q4
[ "$(sha256sum $TMP/h.q4_0.gguf)" = "$sum_q" ] && _pass "q4_0 base unchanged" || _fail "q4_0 base changed"
expect_exit 0 $EXAONE chat -m $TMP/h.q4_0.gguf --lora $TMP/q4:0.5 -p hi -n 2 -t 1
finish
