#!/usr/bin/env bash
# exaone serve on the real EXAONE-mini backend (draw, caption, translate,
# inpaint), with the random-weight model tests/unit/test_mini.c saves in
# build/tmp/mini/random: the wiring, not the quality. Also: the default model
# folder missing is a clear error.
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
expect_stderr "is neither an EXAONE-mini folder nor an EXAONE model" 1 "$EXAONE" serve -m "$TMP/nothing" --port 0
# The repo ships models/exaone-mini, found from the cwd or next to the binary:
# run a copy of the binary from a folder without one (timeout: never hang on a live server).
mkdir -p "$TMP/nomodel" && cp "$EXAONE" "$TMP/nomodel/exaone"
expect_stderr "no EXAONE-mini model at" 1 bash -c 'cd "$1" && exec timeout 20 ./exaone serve --port 0' _ "$TMP/nomodel"
expect_output "usage: exaone serve" "$EXAONE" serve --help
expect_exit 2 "$EXAONE" serve --bogus
expect_exit 2 "$EXAONE" serve --backend other
model=build/tmp/mini/random
if [ ! -f $model/vq.safetensors ] || [ ! -d tests/ref/node_modules/openai ]; then
    skip "no random mini model (run build/tests/test_mini first) or no openai client"; finish; exit
fi
if serve_start -m $model; then
    node tests/api/real_backend.mjs "$SERVE_URL" random > "$TMP/real.log" 2>&1
    while IFS= read -r line; do
        case $line in "ok   "*) _pass "mini: ${line#ok   }" ;; "FAIL "*) _fail "mini: ${line#FAIL }" ;; "  "*) echo "$line" ;; esac
    done < "$TMP/real.log"
    grep -q '^real: ' "$TMP/real.log" || _fail "real_backend.mjs crashed" "$(tail -n 5 "$TMP/real.log")"
else
    _fail "serve -m $model starts"
fi
serve_stop
finish
