-- wrk script: GET /api/tasks?id=<uuid>, each request picking one of many known task ids at
-- random, so the benchmark does not measure one cached row over and over.
--
--   wrk -t2 -c64 -d30s --latency -H "x-api-key: $KEY" -s get_by_id.lua URL -- IDS_FILE
--
-- IDS_FILE holds one task id per line (run.sh writes it while seeding). Every request string is
-- built once in init(), so the per-request cost on wrk's side is one table lookup.

local requests = {}
local count = 0

function setup(thread)
  -- Distinct random sequences per thread.
  thread_number = (thread_number or 0) + 1
  thread:set("seed", thread_number * 7919 + os.time())
end

function init(args)
  local path = args[1]
  if not path then error("get_by_id.lua: pass the ids file after --") end
  local file = assert(io.open(path, "r"))
  for id in file:lines() do
    if #id > 0 then
      count = count + 1
      requests[count] = wrk.format("GET", "/api/tasks?id=" .. id)
    end
  end
  file:close()
  if count == 0 then error("get_by_id.lua: no ids in " .. path) end
  math.randomseed(seed or os.time())
end

function request()
  return requests[math.random(count)]
end
