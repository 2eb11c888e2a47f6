-- SPDX-License-Identifier: MPL-2.0
-- wrk script for bench/submit.py: POSTs one body, optionally as a signed-in resident with a
-- unique Idempotency-Key per request, and prints a JSON summary line at the end (bench/wrk_report.lua).
--   wrk ... -s bench/load.lua URL -- <body-file> [<sessionid> <csrftoken>]
dofile((debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "") .. "wrk_report.lua")
local counter = 0

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
  reset_counts()
end

function request()
  if keyed then
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = prefix .. "-" .. counter
  end
  return wrk.format()
end
