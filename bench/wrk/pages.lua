-- GET a pool of pages, each request as one of a pool of signed-in users.
-- wrk -s pages.lua URL -- FILE: FILE has one request a line: PATH <TAB> HEADER <TAB> VALUE
-- (e.g. a Cookie with the user's session). wrk has no per-connection hook, so the pool is
-- taken round robin per request, each thread starting at its own place.
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  for line in io.lines(args[1]) do
    local path, name, value = line:match("^([^\t]+)\t([^\t]*)\t(.*)$")
    local headers = {}
    if name ~= "" then headers[name] = value end
    table.insert(requests, wrk.format("GET", path, headers))
  end
  counter = ((id or 1) * 7919) % #requests + 1
  statuses = {}
end

function request()
  local r = requests[counter]
  counter = counter % #requests + 1
  return r
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests_)
  local merged = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s or {}) do merged[k] = (merged[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"statuses":{%s}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ",")))
end
