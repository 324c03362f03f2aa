-- Shared by the workload scripts: signed query strings, response checks and a JSON summary for bench/run.py.
-- Arguments (after "--" on the wrk command line):
--   1 sdkappid  2 identifier  3 usersig  4 seeded rooms  5 unique prefix for new RoomIds  6 cursor file ("-": none)
local M = {}

M.service = "/v4/live_engine_http_srv/"
M.max_samples = 3

local threads = {}

-- Runs in the main Lua state once per thread, before the thread starts.
function M.setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function M.init(args)
  M.sdkappid = args[1]
  M.identifier = args[2]
  M.usersig = args[3]
  M.rooms = tonumber(args[4])
  M.prefix = args[5] .. "-" .. tostring(thread_id or 0)
  M.cursors = {}
  if args[6] and args[6] ~= "-" then
    for line in io.lines(args[6]) do
      table.insert(M.cursors, line)
    end
  end
  M.query = "?sdkappid=" .. M.sdkappid .. "&identifier=" .. M.identifier .. "&usersig=" .. M.usersig
    .. "&contenttype=json&random="
  M.counter = 0
  math.randomseed(os.time() * 1000 + (thread_id or 0))
  -- Per-thread counters, read back by done() through thread:get().
  ok, bad, samples = 0, 0, {}
end

function M.path(command)
  return M.service .. command .. M.query .. math.random(0, 2147483647)
end

function M.post(command, body)
  return wrk.format("POST", M.path(command), { ["Content-Type"] = "application/json" }, body)
end

-- Requests made ahead, in init, then sent in turn: the Lua work per request becomes one table read, so wrk's CPU
-- goes to the network (it shares the two cores with the server in the scaling runs). The pool holds 4 requests
-- per seeded room, at most 131,072 (about 55 MB): an 8 s run sends about as many, so with 1,000,000 rooms the
-- rooms read are as spread as when each request drew its own.
function M.pool(make)
  local requests, n, size = {}, 0, 0
  local function init(args)
    M.init(args)
    size = math.min(131072, 4 * M.rooms)
    for i = 1, size do
      requests[i] = make()
    end
  end
  local function request()
    n = n % size + 1
    return requests[n]
  end
  return init, request
end

function M.random_room()
  return "room-" .. math.random(0, M.rooms - 1)
end

function M.new_room_id()
  M.counter = M.counter + 1
  return M.prefix .. "-" .. M.counter
end

function M.random_cursor()
  if #M.cursors == 0 then
    return ""
  end
  return M.cursors[math.random(1, #M.cursors)]
end

-- Every answer must be HTTP 200 with ErrorCode 0: a benchmark of errors measures nothing.
function M.response(status, headers, body)
  if status == 200 and body:find('"ErrorCode":0,', 1, true) then
    ok = ok + 1
  else
    bad = bad + 1
    if #samples < M.max_samples then
      table.insert(samples, tostring(status) .. " " .. body:sub(1, 300))
    end
  end
end

-- Percentiles 1..99 by 1, then 99.1..99.9 by 0.1, 99.95 and 99.99.
local function cdf_grid()
  local grid = {}
  for p = 1, 99 do
    table.insert(grid, p)
  end
  for i = 1, 9 do
    table.insert(grid, 99 + i / 10)
  end
  table.insert(grid, 99.95)
  table.insert(grid, 99.99)
  return grid
end

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

function M.done(summary, latency, requests)
  local good, wrong, lines = 0, 0, {}
  for _, thread in ipairs(threads) do
    good = good + (thread:get("ok") or 0)
    wrong = wrong + (thread:get("bad") or 0)
    for _, s in ipairs(thread:get("samples") or {}) do
      table.insert(lines, quote(s))
    end
  end
  local e = summary.errors
  -- With BENCH_WRK_CDF set, also the latency at a grid of percentiles, so that bench/postgres.py can merge the
  -- latencies of several wrk processes (one per node) into one distribution.
  local cdf = ""
  if os.getenv("BENCH_WRK_CDF") then
    local points = {}
    for _, p in ipairs(cdf_grid()) do
      table.insert(points, string.format("[%g,%d]", p, latency:percentile(p)))
    end
    table.insert(points, string.format("[100,%d]", latency.max))
    cdf = ',"cdf":[' .. table.concat(points, ",") .. "]"
  end
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"ok":%d,"bad":%d,"socket_errors":%d,"non2xx":%d,'
      .. '"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"samples":[%s]%s}\n',
    summary.requests, summary.duration, good, wrong, e.connect + e.read + e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(lines, ","), cdf
  ))
end

return M
