-- The spawned process's PID is addressable from its first instruction: a
-- child that sends to it at once must reach it (SPEC: a PID is addressable
-- as soon as spawn returns, and the child can only know it from its parent).
return function()
  local child = assert(process.spawn_monitored("race:replier", "app:processes", process.pid()))
  local ev = process.events():receive()
  assert(ev.kind == process.event.EXIT and ev.from == child, "unexpected event")
  if ev.result.error then return nil, ev.result.error end
  local msg = process.inbox():receive()
  return { topic = msg:topic(), payload = msg:payload() }
end
