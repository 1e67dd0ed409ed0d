-- ping(n, warm): wait for "go" carrying the pong's PID, run warm untimed
-- round trips, then n round trips, each timed with os.clock.
local stats = require("stats")
return function(n, warm)
  n, warm = tonumber(n), tonumber(warm)
  local inbox = process.inbox()
  local go = inbox:receive()
  if go:topic() == "stop" then return nil end
  local pong = go:payload()
  local send, clock = process.send, os.clock
  for i = 1, warm do
    send(pong, "ping", i)
    inbox:receive()
  end
  local lat = {}
  for i = 1, n do lat[i] = 0 end
  -- the cost of one os.clock() call, to state next to the percentiles
  local c0 = clock()
  for _ = 1, 1000 do clock() end
  local clock_cost = (clock() - c0) / 1000
  local t0 = clock()
  local prev = t0
  for i = 1, n do
    send(pong, "ping", i)
    inbox:receive()
    local now = clock()
    lat[i] = now - prev
    prev = now
  end
  local secs = prev - t0
  send(pong, "stop")
  local s = stats(lat, n)
  s.n, s.secs, s.clock = n, secs, clock_cost
  return s
end
