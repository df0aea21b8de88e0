-- wrk script: POST /api/tasks, creating a new task with every request.
--
-- Benchmark mode (no script arguments): the same body every time; the request string is built
-- once and wrk ignores the answers, so wrk's own cost stays minimal.
--
--   wrk -t2 -c64 -d30s --latency -H "x-api-key: $KEY" -s post_task.lua URL
--
-- Seeding mode: `-- seed QUOTA PREFIX` makes each wrk thread POST until it has seen QUOTA tasks
-- created, write their ids to PREFIX.<thread>.ids (one a line), then create PREFIX.<thread>.done
-- and stop. Progress counts answers, not requests sent: a request whose answer never reaches the
-- script (a reconnect, a failed POST) is simply followed by another, so seeding cannot stall.
-- The requests still in flight when a thread stops create a few tasks beyond the quota (at most
-- one per connection) whose ids are not recorded; run.sh allows for that. After its quota a
-- thread sends only GET /healthz (which creates nothing) until it stops, because request() must
-- always return a request. wrk itself runs until its duration ends: run.sh interrupts it once
-- every .done file exists.

local body = '{"title":"Weekly genre pulse","prompt":"Analyse this artist\'s genre trends and ' ..
             'email a summary.","schedule":"0 9 * * 4","timezone":"America/New_York",' ..
             '"artist_account_id":"1873859c-dd37-4e9a-9bac-80d35a1b2c3d"}'

local post_request
local idle_request
local seeding = false
local quota = 0
local created = 0
local prefix
local ids_file

function setup(thread)
  thread_number = (thread_number or 0) + 1
  thread:set("thread_id", thread_number)
end

function init(args)
  wrk.headers["Content-Type"] = "application/json"
  post_request = wrk.format("POST", "/api/tasks", nil, body)
  idle_request = wrk.format("GET", "/healthz")
  if args[1] == "seed" then
    seeding = true
    quota = assert(tonumber(args[2]), "post_task.lua: seed needs QUOTA")
    prefix = assert(args[3], "post_task.lua: seed needs PREFIX")
    ids_file = assert(io.open(prefix .. "." .. thread_id .. ".ids", "w"))
  else
    -- Without a response() function wrk does not hand answers to Lua at all.
    response = nil
  end
end

function request()
  if not seeding or created < quota then return post_request end
  return idle_request
end

function response(status, headers, body)
  if created >= quota or status ~= 200 then return end
  local id = body:match('^{"status":"success","tasks":%[{"id":"([%x%-]+)"')
  if not id then return end
  created = created + 1
  ids_file:write(id, "\n")
  if created == quota then
    ids_file:close()
    local done = assert(io.open(prefix .. "." .. thread_id .. ".done", "w"))
    done:close()
    wrk.thread:stop()
  end
end
