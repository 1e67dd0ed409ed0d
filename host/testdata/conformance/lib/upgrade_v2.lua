-- Second version of the upgradable server: reports ("v2_started": pid, id,
-- state, t.n, the v1 global as it sees it), answers "ping" with "v2",
-- returns "v2 done" on "stop" and raises "v2 failed" on "fail".
return function(owner, state, t)
  process.send(owner, "v2_started", process.pid(), process.id(), state, t and t.n, tostring(rawget(_G, "v1_global")))
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    local topic = msg:topic()
    if topic == "ping" then
      process.send(msg:from(), "pong", "v2")
    elseif topic == "stop" then
      return "v2 done"
    elseif topic == "fail" then
      error("v2 failed")
    end
  end
end
