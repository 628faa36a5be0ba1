#!/usr/bin/env bash
# The Atelier page in headless Chromium (Debian's chromium + playwright-core)
# against a live `exaone serve --backend test`; screenshots in build/screenshots/.
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
if [ ! -x /usr/bin/chromium ] || [ ! -d tests/ref/node_modules/playwright-core ]; then
    skip "chromium or playwright-core not installed (make test-deps)"; finish; exit
fi
if serve_start --backend test --web web; then
    timeout 120 node tests/api/atelier.mjs "$SERVE_URL" > "$TMP/atelier.log" 2>&1
    while IFS= read -r line; do
        case $line in "ok   "*) _pass "atelier: ${line#ok   }" ;; "FAIL "*) _fail "atelier: ${line#FAIL }" ;; "  "*) echo "$line" ;; esac
    done < "$TMP/atelier.log"
    grep -q '^atelier: ' "$TMP/atelier.log" || _fail "atelier.mjs crashed" "$(tail -n 8 "$TMP/atelier.log")"
else
    _fail "serve starts"
fi
serve_stop
finish
