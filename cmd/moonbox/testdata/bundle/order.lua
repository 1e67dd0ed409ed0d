-- Prints, lets a child print, prints again and exits: every line comes
-- before the exit value's JSON line, in order.
return function(n)
  n = tonumber(n) or 3
  print("first")
  print("second", 2, true, nil)
  local child = assert(process.spawn_monitored("printer", "app:processes", "child", n))
  local ev = process.events():receive()
  assert(ev.kind == process.event.EXIT and ev.from == child, "unexpected event")
  print("last")
  return { done = true, child = ev.result.value }
end
