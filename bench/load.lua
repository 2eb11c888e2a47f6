-- SPDX-License-Identifier: MPL-2.0
-- wrk script for bench/submit.py: POSTs one body, optionally as a signed-in resident with a
-- unique Idempotency-Key per request, and prints a JSON summary line at the end.
--   wrk ... -s bench/load.lua URL -- <body-file> [<sessionid> <csrftoken>]
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local body = f:read("*a")
  f:close()
  wrk.method = "POST"
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
  if args[2] then
    wrk.headers["Cookie"] = "sessionid=" .. args[2] .. "; csrftoken=" .. args[3]
    wrk.headers["X-CSRFToken"] = args[3]
    keyed = true
  end
  math.randomseed(os.time() * 1000 + tid)
  prefix = string.format("bench-%d-%d-%08x", tid, os.time(), math.random(0, 0x7fffffff))
  statuses = {}
  non2xx = 0
end

function request()
  if keyed then
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
  end
  return wrk.format()
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if non2xx <= 3 then
      io.stderr:write("non-2xx " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local bad, merged, codes = 0, {}, {}
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    for code, n in pairs(t:get("statuses")) do
      merged[code] = (merged[code] or 0) + n
    end
  end
  for code, n in pairs(merged) do
    codes[#codes + 1] = string.format('"%d": %d', code, n)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, "statuses": {%s}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes, bad, table.concat(codes, ", "),
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
