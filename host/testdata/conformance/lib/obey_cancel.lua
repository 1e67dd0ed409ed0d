-- Tells `owner` its pid ("started"), waits for a CANCEL event, reports it
-- ("cancel_event": kind, from, deadline), optionally sleeps `delay`, then
-- exits normally with "obeyed".
return function(owner, delay)
  assert(process.send(owner, "started", process.pid()))
  local ev = process.events():receive()
  process.send(owner, "cancel_event", ev.kind, ev.from, ev.deadline)
  if delay then time.sleep(delay) end
  return "obeyed"
end
