-- Two actors bounce a message N times (default 10000) and report the count.
--   moonbox run examples/ping-pong [main] [N]
local function main(n)
  n = math.floor(tonumber(n) or 10000)
  local pong = assert(process.spawn_monitored("pong", "app:processes"))
  local inbox = process.inbox()
  local started = os.clock() -- seconds since the instance started
  for i = 1, n do
    assert(process.send(pong, "ping", i))
    local msg = inbox:receive()
    assert(msg:topic() == "pong" and msg:payload() == i, "out of order reply")
  end
  local elapsed = os.clock() - started
  process.send(pong, "stop")
  -- wait for pong to finish so nothing is left running
  local event = process.events():receive()
  assert(event.kind == process.event.EXIT and event.from == pong)
  print(("%d round trips"):format(n))
  if elapsed > 0 then
    print(("%.0f round trips/s"):format(n / elapsed))
  end
  return n
end

return { main = main }
