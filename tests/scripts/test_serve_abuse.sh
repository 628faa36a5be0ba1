#!/usr/bin/env bash
# exaone serve under hostile input: malformed JSON, wrong types, huge n /
# size / max_tokens, 10 MB bodies, bad base64, missing key, slow clients,
# disconnects mid-stream, a full queue, timeouts. The server must answer each
# with the right 4xx/5xx and keep serving.
source tests/scripts/lib.sh
source tests/scripts/serve_lib.sh
KEY=k$RANDOM$RANDOM
# 20 ms per 2-byte piece: a 2000-byte reply streams for ~20 s
EXAONE_TEST_DELAY_MS=20 serve_start --backend test --api-key "$KEY" --parallel 1 --queue 1 --timeout 3 ||
    { _fail "serve starts"; finish; exit; }
AUTH="Authorization: Bearer $KEY"

# expect_http STATUS TEXT ROUTE [curl args...]: status and body text
expect_http() {
    local want=$1 text=$2 route=$3; shift 3
    local code
    code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "$AUTH" "$@" "$SERVE_URL$route")
    if [ "$code" = "$want" ] && grep -qF -- "$text" "$TMP/body"; then _pass "$want $route $text"
    else _fail "$want $route $text" "got $code: $(head -c 300 "$TMP/body")"; fi
}
chat() { expect_http "$1" "$2" /v1/chat/completions -H 'Content-Type: application/json' --data-binary "$3"; }
img() { expect_http "$1" "$2" /v1/images/generations -H 'Content-Type: application/json' --data-binary "$3"; }
M='"messages":[{"role":"user","content":"hi"}]'

chat 400 invalid_json '{"messages": [}'
chat 400 invalid_json ''
chat 400 invalid_json '[1,2,3]'
chat 400 '"param":"messages"' '{"messages":"hello"}'
chat 400 '"param":"messages"' '{"messages":[]}'
chat 400 'Missing required parameter' '{}'
chat 400 '"param":"max_tokens"' "{$M,\"max_tokens\":\"5\"}"
chat 400 '"param":"max_tokens"' "{$M,\"max_tokens\":1e12}"
chat 400 '"param":"max_tokens"' "{$M,\"max_tokens\":0}"
chat 400 '"param":"n"' "{$M,\"n\":1000000}"
chat 400 '"param":"n"' "{$M,\"n\":1.5}"
chat 400 '"param":"stream"' "{$M,\"stream\":\"yes\"}"
chat 400 '"param":"temperature"' "{$M,\"temperature\":-1}"
chat 400 '"param":"seed"' "{$M,\"seed\":1e300}"
chat 400 '"param":"stop"' "{$M,\"stop\":[1]}"
chat 400 '"param":"stop"' "{$M,\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}"
chat 400 'messages[0]' '{"messages":[{"role":"user","content":5}]}'
chat 400 'messages[0]' '{"messages":[{"role":"hacker","content":"x"}]}'
chat 400 'base64' '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,@@@@"}}]}]}'
chat 400 'not a PNG' '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,aGVsbG8="}}]}]}'
chat 400 'only data: URLs' '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://169.254.169.254/"}}]}]}'
chat 400 'image_url' '{"messages":[{"role":"user","content":[{"type":"image_url","image_url":12}]}]}'
chat 404 model_not_found "{$M,\"model\":\"gpt-99\"}"
# 100k-deep nesting: cJSON's depth limit, not the stack
deep=$(head -c 100000 /dev/zero | tr '\0' '['); chat 400 invalid_json "{\"messages\":$deep"
img 400 '"param":"n"' '{"prompt":"x","n":11}'
img 400 '"param":"n"' '{"prompt":"x","n":99999999999}'
img 400 '"param":"size"' '{"prompt":"x","size":"99999x99999"}'
img 400 '"param":"size"' '{"prompt":"x","size":"4096x4096"}'
img 400 '"param":"size"' '{"prompt":"x","size":"-5x10"}'
img 400 '"param":"response_format"' '{"prompt":"x","response_format":"url"}'
img 400 '"param":"prompt"' '{"n":1}'
img 400 '"param":"prompt"' '{"prompt":["x"]}'
expect_http 400 invalid_multipart /v1/images/edits -H 'Content-Type: multipart/form-data; boundary=XYZ' --data-binary 'garbage'
expect_http 400 invalid_multipart /v1/images/edits -H 'Content-Type: application/json' --data-binary '{}'
expect_http 400 "'image'" /v1/images/edits -F prompt=x
printf 'not a png' > "$TMP/bad.png"
expect_http 400 'not a PNG' /v1/images/edits -F prompt=x -F "image=@$TMP/bad.png"
# a 45-byte PNG whose header claims 60000x60000: refused from the header, no 14 GB allocation
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\xea\x60\x00\x00\xea\x60\x08\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00IEND\xaeB`\x82' > "$TMP/huge.png"
expect_http 400 'is larger than' /v1/images/edits -F prompt=x -F "image=@$TMP/huge.png"
expect_http 400 '"param":"target"' /v1/translations -H 'Content-Type: application/json' --data-binary '{"text":"x","target":"fr"}'
expect_http 404 not_found /v1/nothing
expect_http 405 method_not_allowed /v1/chat/completions
code=$(curl -s -o "$TMP/body" -w '%{http_code}' -H "Authorization: Bearer ${KEY}x" "$SERVE_URL/v1/models")
[ "$code" = 401 ] && grep -q invalid_api_key "$TMP/body" && _pass "wrong key -> 401" || _fail "wrong key -> 401" "got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/v1/models")
[ "$code" = 401 ] && _pass "missing key -> 401" || _fail "missing key -> 401" "got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/metrics")
[ "$code" = 401 ] && _pass "metrics need the key" || _fail "metrics need the key" "got $code"

# 10 MB bodies: with Content-Length (refused before reading) and chunked
head -c 10485760 /dev/zero | tr '\0' 'a' > "$TMP/big"
expect_http 413 request_too_large /v1/chat/completions -H 'Content-Type: application/json' --data-binary "@$TMP/big"
expect_http 413 request_too_large /v1/chat/completions -H 'Transfer-Encoding: chunked' -H 'Content-Type: application/json' --data-binary "@$TMP/big"

# slow client: headers trickle in and stop; others are served meanwhile
exec 3<> "/dev/tcp/127.0.0.1/${SERVE_URL##*:}"
printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"mess' >&3
chat 200 'echo: hi' "{$M}"
exec 3>&-

# disconnect mid-stream: the slot is free again at once
long=$(head -c 2000 /dev/zero | tr '\0' 'x')
t0=$(date +%s.%N)
curl -sN -m 0.5 -H "$AUTH" -H 'Content-Type: application/json' "$SERVE_URL/v1/chat/completions" \
    --data-binary "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"$long\"}]}" > "$TMP/partial" 2> /dev/null
grep -q 'chat.completion.chunk' "$TMP/partial" && _pass "stream started before the disconnect" || _fail "stream started" "$(head -c 200 "$TMP/partial")"
sleep 0.3
busy=$(curl -s -H "$AUTH" "$SERVE_URL/metrics" | sed -n 's/^exaone_slots_busy //p')
[ "$busy" = 0 ] && _pass "slot freed after the client left (slots_busy 0)" || _fail "slot freed" "slots_busy=$busy"
chat 200 'echo: hi' "{$M}"
t1=$(date +%s.%N)
awk "BEGIN{exit !($t1 - $t0 < 3)}" && _pass "served right after the disconnect" || _fail "served right after the disconnect" "$t0 -> $t1"

# full queue: one slot + one queued, the third is refused with Retry-After
for i in 1 2; do
    curl -sN -m 8 -H "$AUTH" -H 'Content-Type: application/json' "$SERVE_URL/v1/chat/completions" \
        --data-binary "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"$long\"}]}" > /dev/null 2>&1 &
    eval "hold$i=\$!"
    sleep 0.3
done
curl -s -D "$TMP/headers" -o "$TMP/body" -H "$AUTH" -H 'Content-Type: application/json' "$SERVE_URL/v1/chat/completions" --data-binary "{$M}"
if grep -q '^HTTP/1.1 503' "$TMP/headers" && grep -qi '^Retry-After: ' "$TMP/headers" && grep -q queue_full "$TMP/body"; then
    _pass "queue full -> 503 with Retry-After"
else
    _fail "queue full -> 503 with Retry-After" "$(cat "$TMP/headers" "$TMP/body" | head -c 400)"
fi
kill $hold1 $hold2 2> /dev/null; wait $hold1 $hold2 2> /dev/null
sleep 0.3

# per-request timeout (--timeout 3): a 20 s reply ends with 504
expect_http 504 timeout /v1/chat/completions -H 'Content-Type: application/json' \
    --data-binary "{\"messages\":[{\"role\":\"user\",\"content\":\"$long\"}],\"max_tokens\":2048}"

kill -0 "$SERVE_PID" 2> /dev/null && _pass "server process alive" || _fail "server process alive"
curl -sf "$SERVE_URL/health" | grep -q '"status":"ok"' && _pass "health ok after abuse" || _fail "health ok after abuse"
chat 200 'echo: hi' "{$M}"
serve_stop
finish
