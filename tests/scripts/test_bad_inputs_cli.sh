# The CLI's bad-input table, tests/bad_inputs/cli_cases.tsv: each row runs exaone with
# the given arguments (and stdin) and must give the exit code and, on failure, an
# error naming the problem on stderr. A crash or sanitizer report fails the row.
source tests/scripts/lib.sh
T=tests/data/tiny_tokenizer.json
C=tests/bad_inputs/cli
R=build/ref/exaone_ref/exaone4_hybrid
# $LONG: one 3000-token word (longer than EXAONE-mini's context); $BAD_UTF8: the
# bytes ab FF cd (kept out of the table so it stays text).
LONG=$(printf 'word%.0s' {1..3000})
BAD_UTF8=$'ab\xffcd'
while IFS=$'\t' read -r code text args input; do
    case $code in \#* | "") continue ;; esac
    if [[ $args == *'$R'* ]] && [ ! -f $R/tokenizer.json ]; then skip "exaone $args (no $R with the shared EXAONE tokenizer)"; continue; fi
    args=${args//\$TMP/$TMP}
    args=${args//\$T/$T}
    args=${args//\$C/$C}
    args=${args//\$R/$R}
    args=${args//\$LONG/$LONG}
    args=${args//\$BAD_UTF8/$BAD_UTF8}
    input=${input//\$C/$C}
    read -ra argv <<< "$args"
    $EXAONE "${argv[@]}" > "$TMP/out" 2> "$TMP/err" < "${input:-/dev/null}"
    rc=$?
    if [ $rc -ne "$code" ]; then
        _fail "exaone ${args:0:160}: exit $rc, want $code" "$(head -c 400 "$TMP/err")"
    elif [ "$code" -ne 0 ] && ! grep -qF -- "$text" "$TMP/err"; then
        _fail "exaone ${args:0:160}: stderr lacks '$text'" "$(head -c 400 "$TMP/err")"
    elif grep -qE 'Sanitizer|runtime error' "$TMP/err"; then
        _fail "exaone ${args:0:160}: sanitizer report" "$(head -c 400 "$TMP/err")"
    else
        _pass "exaone ${args:0:160}${input:+ < $input}"
    fi
    if [ "$code" -ne 0 ] && [ -e "$TMP/x.gguf" ]; then
        _fail "exaone ${args:0:160}: a failed command left its output file"; rm -f "$TMP/x.gguf"
    fi
done < tests/bad_inputs/cli_cases.tsv
finish
