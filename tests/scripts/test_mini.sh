# EXAONE-mini commands: usage errors, missing model, and (with the random model
# test_mini writes to build/tmp/mini/random) outputs and byte-reproducible PNGs.
source tests/scripts/lib.sh
M=build/tmp/mini/random
expect_stderr "missing PROMPT" 2 $EXAONE draw -m $M
expect_stderr "give IMG or --codes" 2 $EXAONE caption -m $M
expect_stderr "give IMG or --codes" 2 $EXAONE caption -m $M --lang fr x.png
expect_stderr "give --text" 2 $EXAONE score -m $M --codes "1 2"
expect_stderr "--to must be ko or en" 2 $EXAONE translate --to fr hello
expect_stderr "config.json" 1 $EXAONE translate -m "$TMP/nowhere" hello
expect_stderr "required" 2 $EXAONE mini-train --data x
expect_stderr "ratios" 2 $EXAONE mini-train --data x --tokenizer y --out z --ratios 1,2
expect_stderr "required" 2 $EXAONE mini-encode x.tsv
if [ -f $M/vq.safetensors ]; then
    expect_exit 0 $EXAONE draw -m $M --seed 3 -o "$TMP/a.png" "a red apple"
    expect_exit 0 $EXAONE draw -m $M --seed 3 -o "$TMP/b.png" "a red apple"
    if cmp -s "$TMP/a.png" "$TMP/b.png"; then _pass "same seed, same PNG bytes"; else _fail "same seed, same PNG bytes"; fi
    expect_exit 0 $EXAONE draw -m $M -n 3 --rerank -o "$TMP/c.png" "노란 별"
    if [ -f "$TMP/c-1.png" ] && [ -f "$TMP/c-3.png" ] && [ -f "$TMP/c-grid.png" ]; then _pass "draw -n 3 writes 3 + grid"
    else _fail "draw -n 3 writes 3 + grid"; fi
    expect_output "en: " $EXAONE caption -m $M "$TMP/a.png"
    expect_output "-" $EXAONE score -m $M --image "$TMP/a.png" --text "a red apple"
    expect_stderr "codes" 1 $EXAONE caption -m $M --codes "1 2 3"
    printf 'a red apple\n\nblue star\n' > "$TMP/names.txt"
    expect_output "a red apple" $EXAONE caption -m $M --candidates "$TMP/names.txt" "$TMP/a.png"
    if [ "$($EXAONE caption -m $M --candidates "$TMP/names.txt" "$TMP/a.png" | wc -l)" = 2 ]; then
        _pass "caption --candidates ranks every non-empty line"; else _fail "caption --candidates ranks every non-empty line"; fi
    : > "$TMP/empty.txt"
    expect_stderr "no candidates" 1 $EXAONE caption -m $M --candidates "$TMP/empty.txt" "$TMP/a.png"
    expect_stderr "nowhere.txt" 1 $EXAONE caption -m $M --candidates "$TMP/nowhere.txt" "$TMP/a.png"
    expect_exit 0 $EXAONE translate -m $M --to ko "Open file"
    expect_output "translate" $EXAONE demo -m $M -o "$TMP/demo"
else
    skip "model outputs (run test_mini first)"
fi
finish
