#!/usr/bin/env bash
# exaone serve against the official `openai` npm client (tests/api/api.mjs),
# on the deterministic test backend: shapes, streaming, images, errors.
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
if [ ! -d tests/ref/node_modules/openai ]; then skip "openai npm client not installed (make test-deps)"; finish; exit; fi
KEY=test-key-$RANDOM
if serve_start --backend test --api-key "$KEY" --parallel 2; then
    _pass "serve starts and /health answers"
    node tests/api/api.mjs "$SERVE_URL" "$KEY" > "$TMP/api.log" 2>&1
    while IFS= read -r line; do
        case $line in "ok   "*) _pass "api: ${line#ok   }" ;; "FAIL "*) _fail "api: ${line#FAIL }" ;; "  "*) echo "$line" ;; esac
    done < "$TMP/api.log"
    grep -q '^api: 0 failure' "$TMP/api.log" || { grep -q '^api: ' "$TMP/api.log" || _fail "api.mjs crashed" "$(tail -n 5 "$TMP/api.log")"; }
    curl -sf "$SERVE_URL/health" | grep -q '"status":"ok"' && _pass "still healthy" || _fail "health after the API tests"
else
    _fail "serve starts"
fi
serve_stop
finish
