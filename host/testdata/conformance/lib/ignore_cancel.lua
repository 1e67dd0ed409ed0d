-- Tells `owner` its pid ("started"), then ignores every CANCEL (it reports
-- each one as "cancel_event": from, deadline) and never exits on its own.
return function(owner)
  assert(process.send(owner, "started", process.pid()))
  local events = process.events()
  while true do
    local ev = events:receive()
    if ev.kind == process.event.CANCEL then
      process.send(owner, "cancel_event", ev.from, ev.deadline)
    end
  end
end
