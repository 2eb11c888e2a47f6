-- SPDX-License-Identifier: MPL-2.0
-- wrk script of bench/inbox.py: GET (or POST) a rotating list of paths with the session cookie;
-- one JSON line at the end (read by bench/load.py; the reporting is bench/wrk_report.lua's).
dofile((debug.getinfo(1, "S").source:match("^@(.-)[^/]*$") or "") .. "wrk_report.lua")

function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  cookie, method = args[2], args[3] or "GET"
  index = (tid * 7919) % #paths
  reset_counts()
end

function request()
  index = index % #paths + 1
  return wrk.format(method, paths[index], {["Cookie"] = cookie}, method == "POST" and "{}" or nil)
end
