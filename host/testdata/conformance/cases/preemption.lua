-- SPEC Channels and time / Processes: a process in a busy loop never blocks the tenant's other processes; it can still be terminated.
local check = require("lib.check")

return function()
  local busy = {}
  for i = 1, 4 do
    busy[i] = check.must(process.spawn_monitored("lib:exits", check.HOST, i % 2 == 0 and "busy" or "busy_pcall"))
  end
  local echo = check.must(process.spawn("lib:echo", check.HOST))
  local t0 = time.now()
  for i = 1, 20 do
    check.must(process.send(echo, "ping", i))
    check.eq(check.msg("ping"), i, "echo while busy processes spin")
  end
  time.sleep(10)
  local spent = time.now() - t0
  assert(spent < 5000, "20 round trips took " .. spent .. "ms next to busy loops")
  for i = 1, 4 do check.must(process.terminate(busy[i])) end
  local n = 0
  for _ = 1, 4 do
    local ev = check.recv(process.events(), "EXIT of a busy process")
    check.eq(ev.result.error, "terminated", "busy process exit")
    n = n + 1
  end
  check.must(process.send(echo, "stop"))
  return n == 4
end
