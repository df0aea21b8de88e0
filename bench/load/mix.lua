-- wrk script: a mix of task and run requests for the soak (bench/load/run.sh).
--
--   wrk -t2 -c256 -d600s --timeout 10s -H "x-api-key: $KEY" -s mix.lua URL -- MINUTE_TASKS MIX_TASKS
--
-- MINUTE_TASKS every-minute tasks and MIX_TASKS tasks that never fire during a run are seeded
-- with the ids run.sh gives them (00000000-0000-4000-8000-<n hex> and ...-9000-<n hex>).
-- Per request, by weight (percent):
--   25 GET /api/tasks?limit=20                    tlist
--   25 GET /api/tasks?id=<a seeded task>          tget   (half every-minute, half mix tasks)
--    5 GET /api/tasks/runs?limit=20               rlist  (remembers a run id of the answer)
--    5 GET /api/tasks/runs?task_id=<minute task>  rtask
--    2 GET /api/tasks/runs?status=COMPLETED       rstat
--    3 GET /api/tasks/runs?runId=<a seen run>     rone   (rlist until a run id is known)
--   14 POST /api/tasks, a task never due in a run post   (remembers the new id)
--    1 POST /api/tasks with an invalid schedule   bad    (the one intended 400)
--   10 PATCH a mix task (title, enabled, schedule, zone)   patch
--   10 DELETE a task this thread created          del    (tlist when it has none left)
-- Every request carries X-Request-Id "<kind>-<thread>-<seq>", which the server echoes, so each
-- answer is matched to what was asked although a thread's connections answer out of order. A
-- created id is deleted at most once and mix tasks are never deleted, so every answer but `bad`
-- must be 200. done() prints one line per (kind, status), the unexpected ones marked, and wrk's
-- latency percentiles, all prefixed "mix" for run.sh to read.

local weights = {
  {"tlist", 25}, {"tget", 25}, {"rlist", 5}, {"rtask", 5}, {"rstat", 2}, {"rone", 3},
  {"post", 14}, {"bad", 1}, {"patch", 10}, {"del", 10},
}
local expected = {bad = 400}  -- every other kind: 200

-- Schedules and zones that cannot fire before 2028-02-29 (the Vixie OR makes a restricted
-- day-of-week field fire weekly, so none is restricted).
local schedules = {"0 9 29 2 *", "15 10 29 2 *", "45 23 29 2 *"}
local zones = {"UTC", "America/New_York", "Europe/Berlin"}
local artist = "1873859c-dd37-4e9a-9bac-80d35a1b2c3d"

local pick = {}        -- 100 slots of kind names, by weight
local minute_tasks, mix_tasks
local seq = 0
local created = {}     -- ids of tasks this thread created and has not deleted (a stack)
local run_ids = {}     -- a ring of run ids seen in rlist answers
local run_next = 1
counts = {}            -- "kind status" -> answers (a global: done() reads it per thread)
deleted = 0
fallbacks = 0

function setup(thread)
  thread_number = (thread_number or 0) + 1
  thread:set("thread_id", thread_number)
  threads = threads or {}
  table.insert(threads, thread)
end

function init(args)
  minute_tasks = assert(tonumber(args[1]), "mix.lua: pass MINUTE_TASKS MIX_TASKS after --")
  mix_tasks = assert(tonumber(args[2]), "mix.lua: pass MINUTE_TASKS MIX_TASKS after --")
  assert(minute_tasks >= 1 and mix_tasks >= 1, "mix.lua: both task counts must be positive")
  local total = 0
  for _, w in ipairs(weights) do
    for _ = 1, w[2] do
      total = total + 1
      pick[total] = w[1]
    end
  end
  assert(total == 100, "mix.lua: the weights must add up to 100")
  math.randomseed(os.time() * 7919 + thread_id)
end

local function minute_id(n) return string.format("00000000-0000-4000-8000-%012x", n) end
local function mix_id(n) return string.format("00000000-0000-4000-9000-%012x", n) end

local function json_body(fields)
  local parts = {}
  for _, f in ipairs(fields) do
    local value = f[2]
    if type(value) == "string" then value = '"' .. value .. '"' else value = tostring(value) end
    parts[#parts + 1] = '"' .. f[1] .. '":' .. value
  end
  return "{" .. table.concat(parts, ",") .. "}"
end

local function build(kind, rid)
  -- wrk.format uses the table it is given instead of wrk.headers (the -H options), not both.
  local h = {}
  for name, value in pairs(wrk.headers) do h[name] = value end
  h["X-Request-Id"] = rid
  if kind == "tlist" then
    return wrk.format("GET", "/api/tasks?limit=20", h)
  elseif kind == "tget" then
    local id
    if math.random(2) == 1 then id = minute_id(math.random(minute_tasks))
    else id = mix_id(math.random(mix_tasks)) end
    return wrk.format("GET", "/api/tasks?id=" .. id, h)
  elseif kind == "rlist" then
    return wrk.format("GET", "/api/tasks/runs?limit=20", h)
  elseif kind == "rtask" then
    return wrk.format("GET", "/api/tasks/runs?task_id=" .. minute_id(math.random(minute_tasks)) ..
                      "&limit=20", h)
  elseif kind == "rstat" then
    return wrk.format("GET", "/api/tasks/runs?status=COMPLETED&limit=20", h)
  elseif kind == "rone" then
    return wrk.format("GET", "/api/tasks/runs?runId=" .. run_ids[math.random(#run_ids)], h)
  end
  h["Content-Type"] = "application/json"
  if kind == "post" or kind == "bad" then
    local schedule = kind == "bad" and "0 25 * * *" or schedules[math.random(#schedules)]
    return wrk.format("POST", "/api/tasks", h, json_body({
      {"title", "Load mix " .. rid},
      {"prompt", "Compare this week's playlist adds with last week's and list the movers."},
      {"schedule", schedule}, {"timezone", zones[math.random(#zones)]},
      {"artist_account_id", artist}, {"max_attempts", math.random(3)}}))
  elseif kind == "patch" then
    return wrk.format("PATCH", "/api/tasks", h, json_body({
      {"id", mix_id(math.random(mix_tasks))}, {"title", "Mix task " .. rid},
      {"enabled", math.random(4) ~= 1}, {"schedule", schedules[math.random(#schedules)]},
      {"timezone", zones[math.random(#zones)]}}))
  else  -- del
    local id = table.remove(created)
    return wrk.format("DELETE", "/api/tasks", h, json_body({{"id", id}}))
  end
end

function request()
  seq = seq + 1
  local kind = pick[math.random(100)]
  if kind == "rone" and #run_ids == 0 then kind = "rlist" end
  if kind == "del" and #created == 0 then
    kind = "tlist"
    fallbacks = fallbacks + 1
  end
  return build(kind, kind .. "-" .. thread_id .. "-" .. seq)
end

function response(status, headers, body)
  local rid = headers["X-Request-Id"] or headers["x-request-id"] or ""
  local kind = rid:match("^(%a+)-") or "unknown"
  local key = kind .. " " .. status
  counts[key] = (counts[key] or 0) + 1
  if status ~= 200 then return end
  if kind == "post" then
    local id = body:match('^{"status":"success","tasks":%[{"id":"([%x%-]+)"')
    if id then created[#created + 1] = id end
  elseif kind == "del" then
    deleted = deleted + 1
  elseif kind == "rlist" then
    local id = body:match('"id":"(run_[%w]+)"')
    if id then
      run_ids[run_next] = id
      run_next = run_next % 256 + 1
    end
  end
end

function done(summary, latency, requests)
  local total = {}
  local unexpected = 0
  local dels, falls = 0, 0
  for _, thread in ipairs(threads) do
    for key, n in pairs(thread:get("counts")) do total[key] = (total[key] or 0) + n end
    dels = dels + thread:get("deleted")
    falls = falls + thread:get("fallbacks")
  end
  local keys = {}
  for key in pairs(total) do keys[#keys + 1] = key end
  table.sort(keys)
  for _, key in ipairs(keys) do
    local kind, status = key:match("^(%S+) (%d+)$")
    local ok = tonumber(status) == (expected[kind] or 200)
    if not ok then unexpected = unexpected + total[key] end
    io.write(string.format("mix status %s %s %d %s\n", kind, status, total[key],
                           ok and "expected" or "UNEXPECTED"))
  end
  io.write(string.format("mix unexpected %d\n", unexpected))
  io.write(string.format("mix deletes %d fallbacks %d\n", dels, falls))
  io.write(string.format("mix requests %d duration_us %d bytes %d\n", summary.requests,
                         summary.duration, summary.bytes))
  local e = summary.errors
  io.write(string.format("mix errors connect %d read %d write %d status %d timeout %d\n",
                         e.connect, e.read, e.write, e.status, e.timeout))
  io.write(string.format("mix latency_us p50 %d p90 %d p99 %d p999 %d max %d mean %.0f\n",
                         latency:percentile(50), latency:percentile(90), latency:percentile(99),
                         latency:percentile(99.9), latency.max, latency.mean))
end
