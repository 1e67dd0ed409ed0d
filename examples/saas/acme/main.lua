-- acme: a named service and a client calling it.
return function()
  local api = assert(process.with_context({}):with_name("api"):spawn_monitored("api", "app:processes"))
  assert(process.spawn("client", "app:processes", process.pid(), 5))
  local inbox = process.inbox()
  local total
  repeat
    local m = inbox:receive()
    if m:topic() == "total" then total = m:payload() end
  until total
  -- Stay up a moment so the intruder can try its luck, then shut down.
  time.sleep("200ms")
  assert(process.send(api, "stop"))
  assert(process.events():receive().kind == "EXIT")
  print(("acme served %d requests, total %d"):format(5, total))
  return { tenant = "acme", total = total }
end
