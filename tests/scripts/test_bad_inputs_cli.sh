# The CLI's bad-input table, tests/bad_inputs/cli_cases.tsv: each row runs exaone with
# the given arguments (and stdin) and must give the exit code and, on failure, an
# error naming the problem on stderr. A crash or sanitizer report fails the row.
source tests/scripts/lib.sh
T=tests/data/tiny_tokenizer.json
C=tests/bad_inputs/cli
while IFS=$'\t' read -r code text args input; do
    case $code in \#* | "") continue ;; esac
    args=${args//\$T/$T}
    args=${args//\$C/$C}
    input=${input//\$C/$C}
    read -ra argv <<< "$args"
    $EXAONE "${argv[@]}" > "$TMP/out" 2> "$TMP/err" < "${input:-/dev/null}"
    rc=$?
    if [ $rc -ne "$code" ]; then
        _fail "exaone $args: exit $rc, want $code" "$(head -c 400 "$TMP/err")"
    elif [ "$code" -ne 0 ] && ! grep -qF -- "$text" "$TMP/err"; then
        _fail "exaone $args: stderr lacks '$text'" "$(head -c 400 "$TMP/err")"
    elif grep -qE 'Sanitizer|runtime error' "$TMP/err"; then
        _fail "exaone $args: sanitizer report" "$(head -c 400 "$TMP/err")"
    else
        _pass "exaone $args${input:+ < $input}"
    fi
done < tests/bad_inputs/cli_cases.tsv
finish
