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
expect_stderr "missing RAW.tsv" 2 $EXAONE mini-eval --full -m $M
expect_stderr "nowhere.tsv" 1 $EXAONE mini-eval --full -m $M "$TMP/nowhere.tsv"
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
    # mini-eval --full on a raw split of 6 items (pictures: the drawings above)
    raw="$TMP/raw.tsv"
    : > "$raw"
    for i in 0 1 2 3 4 5; do
        png="$TMP/a.png"; [ $((i % 2)) = 1 ] && png="$TMP/c-$((i / 2 + 1)).png"
        printf 'I\t%d\t%s\nC\t%d\ten\tthing %d\nC\t%d\tko\t물건 %d\nC\t%d\ten\ta thing %d\n' \
            $i "$png" $i $i $i $i $i $i >> "$raw"
    done
    printf 'P\tOpen file\t파일 열기\nP\tred apple\t빨간 사과\n' >> "$raw"
    expect_output "caption_top1.ko" $EXAONE mini-eval --full -m $M -n 3 "$raw"
    for metric in vq_psnr_db caption_top1.en t2i_top5.ko t2i_top5.en chrf.en-ko chrf.ko-en; do
        if grep -q "^$metric " "$TMP/out"; then _pass "mini-eval --full prints $metric"
        else _fail "mini-eval --full prints $metric" "$(cat "$TMP/out")"; fi
    done
    if grep -q "6 of 6 with an image and KO and EN names (queries: 3), 6 images, 2 pairs" "$TMP/out"; then
        _pass "mini-eval --full counts items, images, pairs"; else _fail "mini-eval --full counts items, images, pairs" "$(head -2 "$TMP/out")"; fi
    printf 'I\t3\n' > "$TMP/bad.tsv"
    expect_stderr "bad.tsv:1: image record needs ITEM <tab> PNG" 1 $EXAONE mini-eval --full -m $M "$TMP/bad.tsv"
    printf 'I\t0\t%s\nC\t0\ten\tthing\nC\t0\tko\t물건\n' "$TMP/nowhere.png" > "$TMP/bad.tsv"
    expect_stderr "nowhere.png" 1 $EXAONE mini-eval --full -m $M "$TMP/bad.tsv"
    head -8 "$raw" > "$TMP/small.tsv"
    expect_stderr "2 items with an image and both names; the metrics need at least 5" 1 \
        $EXAONE mini-eval --full -m $M "$TMP/small.tsv"
    expect_output "translate" $EXAONE demo -m $M -o "$TMP/demo"
else
    skip "model outputs (run test_mini first)"
fi
finish
