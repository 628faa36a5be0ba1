# tests/scripts/lib.sh — sourced by tests/scripts/test_*.sh (run from the repo root).
#   expect_exit 2 ./exaone tokenize --bogus      # exit code and nothing else
#   expect_output "text" ./exaone ...            # stdout contains text
#   expect_stderr "text" 1 ./exaone ...          # exit code and stderr contains text
# End the script with `finish`.
_passed=0 _failed=0 _skipped=0
EXAONE=${EXAONE:-./exaone}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
_pass() { _passed=$((_passed + 1)); echo "ok   $1"; }
_fail() { _failed=$((_failed + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "  $l"; done; }
skip() { _skipped=$((_skipped + 1)); echo "skip $1"; }
expect_exit() {
    local want=$1; shift
    "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
    local rc=$?
    if [ $rc -eq "$want" ]; then _pass "$*"; else _fail "$*" "exit $rc, want $want" "$(head -c 400 "$TMP/err")"; fi
}
expect_output() {
    local want=$1; shift
    "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
    local rc=$?
    if [ $rc -eq 0 ] && grep -qF -- "$want" "$TMP/out"; then _pass "$*"
    else _fail "$*" "exit $rc; stdout lacks '$want'" "$(head -c 400 "$TMP/out")" "$(head -c 400 "$TMP/err")"; fi
}
expect_stderr() {
    local want=$1 code=$2; shift 2
    "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
    local rc=$?
    if [ $rc -eq "$code" ] && grep -qF -- "$want" "$TMP/err"; then _pass "$*"
    else _fail "$*" "exit $rc (want $code); stderr lacks '$want'" "$(head -c 400 "$TMP/err")"; fi
}
finish() {
    echo "harness: $_passed passed, $_failed failed, $_skipped skipped"
    [ $_failed -eq 0 ]
}
