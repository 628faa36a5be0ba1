#!/usr/bin/env bash
# bench/server.sh — `exaone serve` under wrk: 64 connections for DURATION
# (default 60 s) on loopback against chat and images with a small queue.
# Checks: 0 socket errors, no 5xx other than 503 with Retry-After, RSS growth
# <= 5 % over the run; prints p50/p99 latency and requests/s.
#   default: the deterministic stand-in (--backend test), i.e. the HTTP layer's cost;
#   MODEL=DIR: that EXAONE-mini folder instead (the real backend)
set -u
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60}
CONNS=${CONNS:-64}
MODEL=${MODEL:-}
BACKEND=test
[ -n "$MODEL" ] && BACKEND="EXAONE-mini $MODEL"
command -v wrk > /dev/null || { echo "bench/server.sh: wrk not installed (tools/install-deps bench)"; exit 1; }
tmp=$(mktemp -d)
args=(--parallel 2 --queue 4 --timeout 30)
if [ -n "$MODEL" ]; then args+=(-m "$MODEL"); else args+=(--backend test); fi
EXAONE_TEST_DELAY_MS=${EXAONE_TEST_DELAY_MS:-1} ./exaone serve --port 0 "${args[@]}" > "$tmp/out" 2> "$tmp/err" &
pid=$!
trap 'kill $pid 2> /dev/null; wait $pid 2> /dev/null; rm -rf "$tmp"' EXIT
for i in $(seq 1 100); do url=$(sed -n 's/^listening on //p' "$tmp/out"); [ -n "$url" ] && curl -sf "$url/health" > /dev/null && break; sleep 0.1; done
[ -n "${url:-}" ] || { echo "server did not start"; cat "$tmp/err"; exit 1; }
# sampled once wrk's connections are gone (each open connection holds its own buffers)
rss() { sleep 2; awk '/^VmRSS/ {print $2}' /proc/$pid/status; }
echo "== exaone serve ${args[*]} ($BACKEND backend), wrk -t2 -c$CONNS -d${DURATION}s, $(nproc) cores"
printf '{"messages":[{"role":"user","content":"안녕하세요 hello"}],"max_tokens":32}' > "$tmp/chat.json"
printf '{"prompt":"빨간 사과 a red apple","n":1,"size":"256x256","response_format":"b64_json"}' > "$tmp/image.json"
status=0
for route in chat image; do
    path=/v1/chat/completions body=$tmp/chat.json
    [ $route = image ] && path=/v1/images/generations body=$tmp/image.json
    # warm-up: every connection thread and buffer exists before the RSS baseline
    BODY_FILE=$body wrk -t2 -c$CONNS -d10s --timeout 10s -s bench/server_wrk.lua "$url$path" > /dev/null 2>&1
    before=$(rss)
    BODY_FILE=$body wrk -t2 -c$CONNS -d${DURATION}s --timeout 10s -s bench/server_wrk.lua "$url$path" > "$tmp/wrk.$route" 2>&1
    after=$(rss)
    echo "-- $route ($path)"
    grep -E '^(statuses|requests|latency|socket_errors|bad_5xx)' "$tmp/wrk.$route"
    growth=$(awk "BEGIN{printf \"%.2f\", ($after - $before) * 100 / $before}")
    echo "rss before ${before} kB after ${after} kB growth ${growth} %"
    grep -q '^socket_errors 0 ' "$tmp/wrk.$route" || { echo "FAIL: socket errors"; status=1; }
    grep -q '^bad_5xx 0  503_without_retry_after 0' "$tmp/wrk.$route" || { echo "FAIL: 5xx other than 503+Retry-After"; status=1; }
    awk "BEGIN{exit !($growth <= 5)}" || { echo "FAIL: RSS grew more than 5 %"; status=1; }
done
# latency of served requests: as many connections as slots, so nothing is refused
for route in chat image; do
    path=/v1/chat/completions body=$tmp/chat.json
    [ $route = image ] && path=/v1/images/generations body=$tmp/image.json
    BODY_FILE=$body wrk -t1 -c2 -d10s --timeout 10s -s bench/server_wrk.lua "$url$path" > "$tmp/wrk2.$route" 2>&1
    echo "-- $route, 2 connections (= slots), 10 s: served-request latency"
    grep -E '^(statuses|requests|latency)' "$tmp/wrk2.$route"
done
curl -sf "$url/health" > /dev/null || { echo "FAIL: not healthy after the run"; status=1; }
[ $status = 0 ] && echo "bench/server.sh: all checks passed" || echo "bench/server.sh: FAILED"
exit $status
