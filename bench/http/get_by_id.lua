-- GET /api/tasks?id=<uuid>, cycling through the ids in BACKBEAT_IDS_FILE (one per line) so the
-- benchmark reads many different rows, not one cached row.
local key = os.getenv("BACKBEAT_KEY")
local ids = {}
for line in io.lines(os.getenv("BACKBEAT_IDS_FILE")) do
  ids[#ids + 1] = line
end
local i = math.random(#ids)
wrk.headers["x-api-key"] = key

request = function()
  i = i % #ids + 1
  return wrk.format("GET", "/api/tasks?id=" .. ids[i])
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
