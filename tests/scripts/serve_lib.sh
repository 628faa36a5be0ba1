# tests/scripts/serve_lib.sh — starts `exaone serve` for a test script (sourced
# after lib.sh):  serve_start ARGS...  sets SERVE_URL / SERVE_PID and waits for
# /health; serve_stop kills it (also on exit). The port is any free loopback
# port (--port 0; the server prints the one it bound). SERVE_CWD (optional): the folder
# the server runs in (its models/exaone-mini is the embedded model then).
SERVE_PID=""
# Under `make asan` the server's own sanitizer reports (leaks at exit too) fail the script.
serve_stop() {
    if [ -n "$SERVE_PID" ]; then
        kill "$SERVE_PID" 2> /dev/null; wait "$SERVE_PID" 2> /dev/null; SERVE_PID=""
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$TMP/serve.err" 2> /dev/null; then
            _fail "server sanitizer report" "$(grep -E -A12 'ERROR: |runtime error:' "$TMP/serve.err" | head -n 30)"
        fi
    fi
}
trap 'serve_stop; rm -rf "$TMP"' EXIT
serve_start() {
    local exe
    exe=$(realpath "$EXAONE")
    (cd "${SERVE_CWD:-.}" && exec "$exe" serve --host 127.0.0.1 --port 0 "$@") > "$TMP/serve.out" 2> "$TMP/serve.err" &
    SERVE_PID=$!
    local i
    for i in $(seq 1 100); do
        SERVE_URL=$(sed -n 's/^listening on //p' "$TMP/serve.out")
        [ -n "$SERVE_URL" ] && curl -sf "$SERVE_URL/health" > /dev/null 2>&1 && return 0
        kill -0 "$SERVE_PID" 2> /dev/null || break
        sleep 0.1
    done
    echo "server did not come up:"; cat "$TMP/serve.err"
    return 1
}
