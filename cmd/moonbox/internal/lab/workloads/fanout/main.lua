-- fanout(k, rounds, warm): spawn k children; a round sends one message to
-- each and waits for all k replies. Each round is timed.
local stats = require("stats")
return function(k, rounds, warm)
  k, rounds, warm = tonumber(k), tonumber(rounds), tonumber(warm)
  local inbox = process.inbox()
  local send, clock = process.send, os.clock
  local kids = {}
  for i = 1, k do kids[i] = assert(process.spawn("child", "app:processes")) end
  local function round(r)
    for i = 1, k do send(kids[i], "q", r) end
    for _ = 1, k do inbox:receive() end
  end
  for r = 1, warm do round(r) end
  local lat = {}
  for i = 1, rounds do lat[i] = 0 end
  local t0 = clock()
  local prev = t0
  for r = 1, rounds do
    round(r)
    local now = clock()
    lat[r] = now - prev
    prev = now
  end
  local secs = prev - t0
  for i = 1, k do send(kids[i], "stop") end
  local s = stats(lat, rounds)
  s.n, s.secs, s.k = rounds, secs, k
  return s
end
