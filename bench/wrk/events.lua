-- POST learning events to the JSON API, each with a new statement id (a UUID), so every
-- event answered as recorded must be one new row: the runner counts the rows before and
-- after.
-- wrk -s events.lua URL -- FILE [BATCH]
--   FILE: one line per user: PATH <TAB> BEARER-TOKEN
--   BATCH: events per request (default 1: one JSON object; more: a JSON array, which the
--   API records in one transaction and answers with "recorded": N)
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
  batch = tonumber(args[2] or "1") or 1
  math.randomseed(os.time() * 1000 + (id or 1) * 104729)
  counter = ((id or 1) * 7919) % #targets + 1
  statuses = {}
  recorded = 0  -- events the server says it stored (2xx)
end

local function uuid4()
  return string.format("%04x%04x-%04x-4%03x-%04x-%04x%04x%04x",
    math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0, 0x3fff) + 0x8000,
    math.random(0, 0xffff), math.random(0, 0xffff), math.random(0, 0xffff))
end

local function event()
  return '{"id":"' .. uuid4() .. '","verb":"progressed",' ..
    '"result":{"duration":"PT15S"},"resume":{"position":42.5}}'
end

function request()
  local t = targets[counter]
  counter = counter % #targets + 1
  local body
  if batch > 1 then
    local parts = {}
    for i = 1, batch do parts[i] = event() end
    body = "[" .. table.concat(parts, ",") .. "]"
  else
    body = event()
  end
  return wrk.format("POST", t.path, t.headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if status == 201 then
    if batch > 1 then
      recorded = recorded + (tonumber((body or ""):match('"recorded":%s*(%d+)')) or 0)
    else
      recorded = recorded + 1
    end
  end
end

function done(summary, latency, requests_)
  local merged, events = {}, 0
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s or {}) do merged[k] = (merged[k] or 0) + v end
    events = events + (thread:get("recorded") or 0)
  end
  local parts = {}
  for k, v in pairs(merged) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"statuses":{%s},' ..
    '"events_recorded":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ","), events))
end
