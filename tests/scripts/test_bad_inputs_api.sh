# The server's bad-input table, tests/bad_inputs/api_cases.tsv: each row is one
# request that must be answered with its 4xx status and a body naming the
# problem, after which the same server must still answer /health. Rows of the
# `test` backend run on `serve --backend test`, `mini` rows on the shipped
# EXAONE-mini (they need a real context length).
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
C=tests/bad_inputs/cli
BAD_UTF8=$'ab\xffcd'
LONG=$(printf 'word %.0s' {1..700})

# expand TEXT: the table's placeholders replaced (see api_cases.tsv).
expand() {
    local s=$1 name
    while [[ $s =~ \$PNG\(([a-z0-9_]+)\) ]]; do
        name=${BASH_REMATCH[1]}
        s=${s//"\$PNG($name)"/"data:image/png;base64,$(base64 -w0 "$C/$name.png")"}
    done
    s=${s//'$C'/$C}
    s=${s//'$BAD_UTF8'/$BAD_UTF8}
    s=${s//'$LONG'/$LONG}
    printf '%s' "$s"
}

# run_rows BACKEND: every row of that backend against the running server.
run_rows() {
    local want_backend=$1 backend status text route body code args field
    while IFS=$'\t' read -r backend status text route body; do
        case $backend in \#* | "") continue ;; esac
        [ "$backend" = "$want_backend" ] || continue
        if [[ $body == json:* ]]; then
            expand "${body#json:}" > "$TMP/req"
            args=(-H 'Content-Type: application/json' --data-binary "@$TMP/req")
        else
            args=()
            read -ra fields <<< "${body#form:}"
            for field in "${fields[@]}"; do args+=(-F "$(expand "$field")"); done
        fi
        code=$(curl -s -m 60 -o "$TMP/body" -w '%{http_code}' "${args[@]}" "$SERVE_URL$route")
        local label="$backend $status $route ${body:0:90}"
        if [ "$code" != "$status" ] || ! grep -qF -- "$text" "$TMP/body"; then
            _fail "$label" "got $code: $(head -c 300 "$TMP/body")"
        elif [ "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$SERVE_URL/health")" != 200 ]; then
            _fail "$label: the server stopped serving"
        else
            _pass "$label"
        fi
    done < tests/bad_inputs/api_cases.tsv
}

if serve_start --backend test; then run_rows test; else _fail "serve --backend test starts"; fi
serve_stop
if serve_start -m models/exaone-mini --threads 1; then run_rows mini; else _fail "serve -m models/exaone-mini starts"; fi
serve_stop
finish
