# tools/eval-intent (exaone intent-eval) on the shipped model and a raw split of
# 6 items whose pictures are the model's own drawings: usage errors, the
# detailed-prompt rule, and the table (12 rows, numbers in [0, 1], counts and
# intervals that agree, the oracle never below the other picks, reproducible).
source tests/scripts/lib.sh
M=models/exaone-mini
expect_stderr "missing RAW.tsv" 2 $EXAONE intent-eval -m $M
expect_exit 2 $EXAONE intent-eval -m $M --candidates 17 x.tsv
expect_stderr "nowhere.tsv" 1 $EXAONE intent-eval -m $M "$TMP/nowhere.tsv"
expect_output "oracle" $EXAONE intent-eval --help
if [ ! -f $M/model.safetensors ]; then
    skip "intent-eval on the shipped model (models/exaone-mini missing)"
    finish
    exit
fi
expect_exit 0 $EXAONE draw -m $M -n 3 --seed 5 -o "$TMP/d.png" "a red apple"
raw="$TMP/raw.tsv"
: > "$raw"
for i in 0 1 2 3 4 5; do
    printf 'I\t%d\t%s\nC\t%d\ten\tthing %d\nC\t%d\tko\t물건 %d\nC\t%d\ten\ta picture of a thing %d\n' \
        $i "$TMP/d-$((i % 3 + 1)).png" $i $i $i $i $i $i >> "$raw"
    printf 'C\t%d\ten\tthing %d, tag%d, more\nC\t%d\tko\t물건 %d, 태그%d\n' $i $i $i $i $i $i >> "$raw"
done
# item 6: the rule on real phrasings (src/data/captions.c's templates)
printf 'I\t6\t%s\n' "$TMP/d-1.png" >> "$raw"
printf 'C\t6\ten\t%s\n' "red apple" "a picture of a red apple" "red apple emoji" "red apple, fruit, ripe" "fruit, food" >> "$raw"
printf 'C\t6\tko\t%s\n' "빨간 사과" "빨간 사과 이모지" "빨간색과 초록색 사과 무늬" "사과, 과일" >> "$raw"

expect_exit 0 $EXAONE intent-eval -m $M --list -n 7 "$raw"
if grep -qP '^6\ten\tred apple\tred apple, fruit, ripe, food$' "$TMP/out" &&
    grep -qP '^6\tko\t빨간 사과\t빨간 사과, 빨간색과 초록색 사과 무늬, 과일$' "$TMP/out" &&
    grep -qP '^0\ten\tthing 0\tthing 0, tag0, more$' "$TMP/out" && [ "$(wc -l < "$TMP/out")" = 14 ]; then
    _pass "--list: detailed = name + the parts that add a word, template words ignored"
else _fail "--list: detailed = name + the parts that add a word, template words ignored" "$(cat "$TMP/out")"; fi

expect_output "| short | first | ko |" tools/eval-intent -m $M -n 2 --candidates 2 --seed 1 "$raw"
cp "$TMP/out" "$TMP/table1"
# every row: prompt, pick, lang, top-5 = hits/queries in [0, 1] inside its interval, mean rank in [1, items]
bad=$(awk -F' *\\| *' '/^\| (short|detailed) \|/ {
        rows++; split($6, h, "/"); split($7, ci, "-"); t = $5 + 0
        if ($3 !~ /^(first|rerank|oracle)$/ || $4 !~ /^(ko|en)$/ || h[2] != 2 || h[1] < 0 || h[1] > h[2] ||
            t < 0 || t > 1 || (t - h[1] / h[2])^2 > 1e-6 || ci[1] > t + 1e-9 || ci[2] < t - 1e-9 ||
            ci[1] < 0 || ci[2] > 1 || $8 < 1 || $8 > 7) print "bad row: " $0
        hits[$2 "," $3 "," $4] = h[1]; rank[$2 "," $3 "," $4] = $8
      }
      END {
        if (rows != 12) print "rows: " rows
        for (k in hits) { split(k, f, ","); o = f[1] ",oracle," f[3]
                         if (hits[k] > hits[o] || rank[k] < rank[o]) print "oracle below " k }
      }' "$TMP/table1")
if [ -z "$bad" ] && grep -q "^chance: top-5 0.7143 (5 of 7 items)" "$TMP/table1" &&
    grep -q "^detailed prompts longer than the name: 4 of 4" "$TMP/table1"; then
    _pass "table: 12 rows, consistent numbers in [0, 1], chance, oracle at least as good as first and rerank"
else _fail "table: 12 rows, consistent numbers in [0, 1], chance, oracle at least as good as first and rerank" "$bad" "$(cat "$TMP/table1")"; fi
expect_exit 0 tools/eval-intent -m $M -n 2 --candidates 2 --seed 1 "$raw"
if diff <(grep -v '^seconds' "$TMP/table1") <(grep -v '^seconds' "$TMP/out") > /dev/null; then
    _pass "same seed, same table"; else _fail "same seed, same table"; fi
finish
