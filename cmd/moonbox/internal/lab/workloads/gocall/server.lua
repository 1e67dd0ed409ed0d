-- server: answers every message with its payload, to its sender (the bench
-- calls it from Go with Tenant.Call), as pong does; the bench terminates it.
-- It waits in inbox:receive(), not in a channel.select over its inbox and
-- its events: a select builds tables per message that cost the sandbox
-- tens of µs (BENCHMARKS.md), which would hide what a call costs.
return function()
  local inbox = process.inbox()
  local send = process.send
  while true do
    local msg = inbox:receive()
    send(msg:from(), "reply", msg:payload())
  end
end
