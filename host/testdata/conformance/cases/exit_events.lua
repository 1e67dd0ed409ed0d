-- A monitored child's exit arrives as an EXIT event with its result.
-- output: done
return function()
  local events = process.events()
  local normal = assert(process.spawn_monitored("lib:exit_with", "app:processes", "value", { answer = 42 }))
  local ev = events:receive()
  assert(ev.kind == process.event.EXIT and ev.kind == "EXIT", tostring(ev.kind))
  assert(ev.from == normal)
  assert(ev.result.value.answer == 42, "value")
  assert(ev.result.error == nil)

  local failed = assert(process.spawn_monitored("lib:exit_with", "app:processes", "error", "boom"))
  ev = events:receive()
  assert(ev.from == failed and ev.kind == "EXIT")
  assert(ev.result.value == nil)
  assert(type(ev.result.error) == "string" and ev.result.error:find("boom"), tostring(ev.result.error))
  print("done")
  return true
end
