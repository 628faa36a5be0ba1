# exaone draw/caption --explain and explain-eval: usage errors, the sheet is
# written next to the output and is byte-identical for a fixed seed (attention
# and gradient; occlusion of a caption too), explain-eval's two-emoji measurement runs (it needs the
# prepared dataset, else that part is skipped), fairness-eval fails cleanly without data.
source tests/scripts/lib.sh
M=models/exaone-mini
expect_stderr "attn, grad, occlusion, shapley or partition" 2 $EXAONE draw --explain --explain-method bogus "a red apple"
expect_stderr "--rollout goes with" 2 $EXAONE draw --explain --explain-method grad --rollout "a red apple"
expect_stderr "need --explain" 2 $EXAONE draw --explain-method grad "a red apple"
expect_stderr "--codes-only" 2 $EXAONE draw --explain --codes-only "a red apple"
expect_stderr "needs the picture as IMG" 2 $EXAONE caption --explain --codes "1 2"
expect_stderr "--method wants" 2 $EXAONE explain-eval --method bogus
expect_output "--explain-method" $EXAONE draw --help
expect_output "--explain-method" $EXAONE caption --help
expect_output "skin-tone" $EXAONE fairness-eval --help
if [ -f $M/vq.safetensors ]; then
    expect_exit 0 $EXAONE draw -m $M --seed 3 -o "$TMP/a.png" --explain "a red apple"
    expect_exit 0 $EXAONE draw -m $M --seed 3 -o "$TMP/b.png" --explain "a red apple"
    if [ -f "$TMP/a-explain.png" ] && cmp -s "$TMP/a-explain.png" "$TMP/b-explain.png"; then
        _pass "same seed, same attention sheet bytes"
    else _fail "same seed, same attention sheet bytes"; fi
    expect_exit 0 $EXAONE draw -m $M --seed 3 -o "$TMP/c.png" --explain --explain-method grad "빨간 사과"
    expect_exit 0 $EXAONE draw -m $M --seed 3 -o "$TMP/d.png" --explain --explain-method grad "빨간 사과"
    if [ -f "$TMP/c-explain.png" ] && cmp -s "$TMP/c-explain.png" "$TMP/d-explain.png"; then
        _pass "same seed, same gradient sheet bytes"
    else _fail "same seed, same gradient sheet bytes"; fi
    if ! cmp -s "$TMP/a-explain.png" "$TMP/c-explain.png"; then _pass "another prompt, another sheet"
    else _fail "another prompt, another sheet"; fi
    expect_exit 0 $EXAONE caption -m $M --lang en --explain "$TMP/a.png"
    if [ -f "$TMP/a-explain-en.png" ]; then _pass "caption --explain writes IMG-explain-en.png"
    else _fail "caption --explain writes IMG-explain-en.png"; fi
    cp "$TMP/a.png" "$TMP/o.png"
    expect_exit 0 $EXAONE caption -m $M --lang ko --explain --explain-method occlusion "$TMP/o.png"
    cp "$TMP/o-explain-ko.png" "$TMP/o1.png" 2>/dev/null
    expect_exit 0 $EXAONE caption -m $M --lang ko --explain --explain-method occlusion "$TMP/o.png"
    if [ -f "$TMP/o1.png" ] && cmp -s "$TMP/o1.png" "$TMP/o-explain-ko.png"; then _pass "occlusion sheet: same bytes twice"
    else _fail "occlusion sheet: same bytes twice"; fi
    expect_stderr "prepare the dataset" 1 $EXAONE explain-eval -m $M --data "$TMP/nowhere" -n 1
    expect_stderr "prepare the dataset" 1 $EXAONE fairness-eval -m $M --data "$TMP/nowhere" -o "$TMP/f"
    data=${EXAONE_CACHE:-$HOME/.cache/exaone}/dataset
    if [ -f "$data/emoji64.tsv" ] && [ -f "$data/emoji64.bin" ]; then
        expect_output "composition.attn.en" $EXAONE explain-eval -m $M -n 2 --method attn
        expect_output "halves.en.decided" $EXAONE explain-eval -m $M -n 1 --halves --lang en
    else
        skip "explain-eval on the test split (no prepared dataset in $data)"
    fi
else
    skip "explain outputs (no $M)"
fi
finish
