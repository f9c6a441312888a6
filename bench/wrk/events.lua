-- POST learning events to the JSON API, each with a new statement id (a UUID), so every
-- 201 must be one new row: the runner counts the rows before and after.
-- wrk -s events.lua URL -- FILE: one line per user: PATH <TAB> BEARER-TOKEN
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  targets = {}
  for line in io.lines(args[1]) do
    local path, token = line:match("^([^\t]+)\t(.*)$")
    table.insert(targets, {path = path, headers = {
      ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}})
  end
  math.randomseed(os.time() * 1000 + (id or 1) * 104729)
  counter = ((id or 1) * 7919) % #targets + 1
  statuses = {}
  created = 0
end

local function uuid4()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0x3fff) + 0x8000,
    math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xffff))
end

function request()
  local t = targets[counter]
  counter = counter % #targets + 1
  local body = '{"id":"' .. uuid4() .. '","verb":"progressed",' ..
    '"result":{"duration":"PT15S"},"resume":{"position":42.5}}'
  return wrk.format("POST", t.path, t.headers, body)
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
