-- POST /api/tasks with a valid body; the key comes from the environment (BACKBEAT_KEY).
local key = os.getenv("BACKBEAT_KEY")
local counter = 0
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["x-api-key"] = key

request = function()
  counter = counter + 1
  local body = string.format(
    '{"title":"bench %d","prompt":"Analyse the genre trends of this artist and email a summary.",' ..
    '"schedule":"%d 9 * * 4","timezone":"America/New_York",' ..
    '"artist_account_id":"1873859c-dd37-4e9a-9bac-80d35a1b2c3d"}', counter, counter % 60)
  return wrk.format(nil, "/api/tasks", nil, body)
end

response = function(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
