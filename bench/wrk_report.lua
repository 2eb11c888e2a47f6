-- SPDX-License-Identifier: MPL-2.0
-- What bench/load.lua and bench/inbox.lua share: numbering wrk's threads, counting statuses, and
-- the one JSON line at the end that bench/load.py reads. Each script loads it first with
--   dofile((debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "") .. "wrk_report.lua")
-- (wrk loads a script by the path given to -s, so the folder is taken from that path). It defines
-- the globals `setup`, `response` and `done`, and `reset_counts()` for the script's `init`.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function reset_counts()
  statuses, non2xx = {}, 0
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
