-- wrk script for bench/server.sh: POSTs BODY_FILE to the path given after --,
-- counts responses by status, checks that every 503 carries Retry-After and
-- prints p50/p99 latency, requests/s and socket errors.
local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
  counts = {}
  no_retry_after = 0
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if status == 503 and not headers["Retry-After"] then no_retry_after = no_retry_after + 1 end
end

function done(summary, latency, requests)
  local all, missing = {}, 0
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do all[status] = (all[status] or 0) + n end
    missing = missing + t:get("no_retry_after")
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local bad5xx = 0
  local line = ""
  for status, n in pairs(all) do
    line = line .. string.format(" %d:%d", status, n)
    if status >= 500 and status ~= 503 then bad5xx = bad5xx + n end
  end
  io.write(string.format("statuses%s\n", line))
  io.write(string.format("requests %d in %.1f s = %.1f req/s\n", summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("socket_errors %d (connect %d read %d write %d timeout %d)\n", socket, e.connect, e.read,
    e.write, e.timeout))
  io.write(string.format("bad_5xx %d  503_without_retry_after %d\n", bad5xx, missing))
end
