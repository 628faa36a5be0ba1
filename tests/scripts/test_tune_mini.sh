#!/usr/bin/env bash
# test_tune_mini.sh — `exaone tune` on EXAONE-mini, `--lora` in draw / caption / score,
# `exaone lora merge` of a mini and `serve --lora` with a per-request adapter, on the
# random-weight mini that build/tests/test_mini saves (the wiring, not the quality):
# the base files' SHA-256 are unchanged after tuning, the adapter has PEFT names, a stopped
# and resumed run writes the same adapter as an uninterrupted one, bad data is an error
# naming the file and line.
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
M=build/tmp/mini/random
if [ ! -f $M/vq.safetensors ]; then
    skip "no random mini model (run build/tests/test_mini first)"
    finish
    exit $?
fi
expect_output "usage: exaone tune -m MINI_DIR" $EXAONE tune -m $M --help
/usr/bin/python3 tools/style-patterns.py $TMP/style > /dev/null
D=$TMP/data && mkdir -p $D
# the random model's tokenizer spells English nearly byte by byte: short prompts
printf 'stripes_1.png\tcoral\nchecks_0.png\tteal\npolka_dots_1.png\tdots\nwaves_0.png\twave\ngrid_1.png\tgrid\n' > $D/prompts.tsv
cp $TMP/style/train/*.png $D/
printf '{"image": "%s/style/train/zigzag_0.png", "caption": "zig"}\n{"image": "%s/style/train/crosses_0.png", "prompt": "x"}\n' \
    "$TMP" "$TMP" > $TMP/held.jsonl
sum_before=$(sha256sum $M/*)
args="-m $M --data $D --eval $TMP/held.jsonl --rank 4 --alpha 8 --lr 1e-2 --epochs 4 --batch 4 --seed 3 -t 1"
expect_output "steps=12" $EXAONE tune $args -o $TMP/full
[ "$(sha256sum $M/*)" = "$sum_before" ] && _pass "base SHA-256 unchanged after tuning" || _fail "base files changed by tune"
for f in adapter_config.json adapter_model.safetensors loss.csv loss.png tune-checkpoint.safetensors; do
    [ -s $TMP/full/$f ] && _pass "wrote $f" || _fail "no $f"
done
grep -q '"c_proj"' $TMP/full/adapter_config.json && grep -q '"r":[[:space:]]*4' $TMP/full/adapter_config.json &&
    _pass "adapter_config.json: r and target_modules" || _fail "adapter_config.json" "$(cat $TMP/full/adapter_config.json)"
head -c 4000 $TMP/full/adapter_model.safetensors | grep -q 'base_model.model.transformer.h.1.mlp.c_fc.lora_B.weight' &&
    _pass "PEFT key names" || _fail "PEFT key names"
read before after < <(sed -n 's/.*eval_t2i_before=\([0-9.]*\) eval_t2i_after=\([0-9.]*\).*/\1 \2/p' $TMP/out)
[ -n "$before" ] && [ -n "$after" ] && _pass "held-out t2i loss reported ($before -> $after)" || _fail "no eval numbers"
# stop after 5 steps, resume: the same adapter bytes as the uninterrupted run
expect_output "steps=5" $EXAONE tune $args -o $TMP/part --max-steps 5 --save-every 5
expect_output "steps=7" $EXAONE tune $args -o $TMP/part --resume
cmp -s $TMP/full/adapter_model.safetensors $TMP/part/adapter_model.safetensors &&
    _pass "resumed run == uninterrupted run" || _fail "resumed adapter differs"
[ "$(wc -l < $TMP/part/loss.csv)" = 13 ] && _pass "loss.csv: one row per step after resume" || _fail "loss.csv rows"
expect_stderr "written with another --seed" 1 $EXAONE tune $args --seed 4 -o $TMP/part --resume
# bad data: the file and line are named
expect_stderr "nothing: --data takes a folder" 1 $EXAONE tune -m $M --data $TMP/nothing -o $TMP/x
printf 'stripes_1.png\tcoral\nno tab here\n' > $TMP/style/train/prompts.tsv
expect_stderr "prompts.tsv:2: expected FILE<TAB>PROMPT" 1 $EXAONE tune -m $M --data $TMP/style/train -o $TMP/x
printf 'missing.png\tcoral\n' > $TMP/style/train/prompts.tsv
expect_stderr "missing.png" 1 $EXAONE tune -m $M --data $TMP/style/train -o $TMP/x
printf '{"image": 3}\n' > $TMP/bad.jsonl
expect_stderr "bad.jsonl:1: needs string fields" 1 $EXAONE tune -m $M --data $TMP/bad.jsonl -o $TMP/x
expect_exit 2 $EXAONE tune -m $M --data $D -o $TMP/x --targets gate_proj
# text pairs train translation (no VQ needed): the tuned pairs' own loss must fall
printf '{"source": "coral", "target": "산호"}\n{"source": "teal", "target": "청록"}\n{"source": "줄무늬", "target": "stripes"}\n' > $TMP/text.jsonl
$EXAONE tune -m $M --data $TMP/text.jsonl --eval $TMP/text.jsonl -o $TMP/text --rank 4 --alpha 8 --lr 1e-2 --epochs 10 \
    --batch 3 --seed 1 -t 1 > $TMP/text.out 2> $TMP/text.err
read before after < <(sed -n 's/.*eval_tr_before=\([0-9.]*\) eval_tr_after=\([0-9.]*\).*/\1 \2/p' $TMP/text.out)
[ -n "$before" ] && awk -v a="$after" -v b="$before" 'BEGIN { exit !(a < b - 0.5) }' &&
    _pass "text pairs: translate loss $before -> $after" || _fail "text pairs: no loss drop" "$(cat $TMP/text.out $TMP/text.err)"
grep -q "0 image pairs (drawing + captioning), 3 text pairs" $TMP/text.err && _pass "text pairs counted" ||
    _fail "text pair count" "$(cat $TMP/text.err)"
expect_exit 0 $EXAONE translate -m $M --lora $TMP/text --to ko coral
printf '{"source": "coral", "target": "teal"}\n' > $TMP/same.jsonl
expect_stderr 'same.jsonl:1: "source" and "target" are both English' 1 $EXAONE tune -m $M --data $TMP/same.jsonl -o $TMP/x
# the adapter at run time vs merged into the weights (F32 base: the same numbers)
expect_exit 0 $EXAONE lora merge $M $TMP/full $TMP/merged
[ -s $TMP/merged/vq.safetensors ] && _pass "lora merge copies the VQ" || _fail "no vq.safetensors in the merged model"
a=$($EXAONE draw -m $M --lora $TMP/full --codes-only --seed 5 coral 2>/dev/null)
b=$($EXAONE draw -m $TMP/merged --codes-only --seed 5 coral 2>/dev/null)
c=$($EXAONE draw -m $M --codes-only --seed 5 coral 2>/dev/null)
[ -n "$a" ] && [ "$a" = "$b" ] && _pass "draw --lora == draw on the merged model" || _fail "lora '$a' vs merged '$b'"
[ "$a" != "$c" ] && _pass "the adapter changes the drawing" || _fail "adapter had no effect"
d=$($EXAONE draw -m $M --lora $TMP/full:0 --codes-only --seed 5 coral 2>/dev/null)
[ "$d" = "$c" ] && _pass "--lora DIR:0 is the base" || _fail "scale 0 differs from the base"
expect_exit 0 $EXAONE caption -m $M --lora $TMP/full --lang en $D/grid_1.png
expect_exit 0 $EXAONE score -m $M --lora $TMP/full:0.5 --lora $TMP/part --image $D/grid_1.png --text grid
expect_stderr "adapter_config.json" 1 $EXAONE draw -m $M --lora $TMP/nothing coral
[ "$(sha256sum $M/*)" = "$sum_before" ] && _pass "base SHA-256 unchanged after merge and --lora" || _fail "base changed"
# serve: the adapter as model exaone-mini+style, chosen per request by "lora"
mkdir -p $TMP/srv/models && cp -r $M $TMP/srv/models/exaone-mini
expect_exit 2 $EXAONE serve --backend test --lora $TMP/full
if SERVE_CWD=$TMP/srv serve_start --lora style=$(realpath $TMP/full); then
    curl -s $SERVE_URL/v1/models | grep -q '"exaone-mini+style"' && _pass "serve lists exaone-mini+style" ||
        _fail "/v1/models" "$(curl -s $SERVE_URL/v1/models)"
    gen() { curl -s $SERVE_URL/v1/images/generations -H 'Content-Type: application/json' -d "$1" | sed -n 's/.*"b64_json":"\([^"]*\)".*/\1/p'; }
    p1=$(gen '{"prompt": "coral", "seed": 5, "response_format": "b64_json"}')
    p2=$(gen '{"prompt": "coral", "seed": 5, "response_format": "b64_json", "lora": "style"}')
    p3=$(gen '{"prompt": "coral", "seed": 5, "response_format": "b64_json", "model": "exaone-mini+style"}')
    [ -n "$p1" ] && [ -n "$p2" ] && [ "$p1" != "$p2" ] && _pass "a request's \"lora\" changes the image" ||
        _fail "per-request adapter had no effect"
    [ "$p2" = "$p3" ] && _pass "\"lora\": \"style\" == model exaone-mini+style" || _fail "lora vs model id differ"
    code=$(curl -s -o $TMP/e.json -w '%{http_code}' $SERVE_URL/v1/images/generations -H 'Content-Type: application/json' \
        -d '{"prompt": "coral", "lora": "nope"}')
    [ "$code" = 404 ] && grep -q lora_not_found $TMP/e.json && _pass "unknown adapter: 404 lora_not_found" ||
        _fail "unknown adapter: $code" "$(cat $TMP/e.json)"
else
    _fail "serve --lora starts" "$(cat $TMP/serve.err)"
fi
serve_stop
finish
