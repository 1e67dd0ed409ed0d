-- SPEC Lifecycle control: a process killed while it waits is ended with the kill's error whichever way it waits (at the top level of its code, or inside pcall), and after waiting both ways in turn.
local check = require("lib.check")

return function()
  local me = process.pid()
  for messages = 0, 3 do
    -- messages even: it waits at the top level when killed; odd: inside pcall.
    local pid = check.must(process.spawn_monitored("lib:park_alternate", check.HOST, me))
    for i = 1, messages do
      check.must(process.send(pid, "wake", i))
      check.eq(check.msg("got"), i, "messages handled before the kill")
    end
    time.sleep(2)
    check.eq(process.terminate(pid), true, "terminate after " .. messages .. " messages")
    local ev = check.exit(pid)
    check.eq(ev.result.error, "terminated", "EXIT error after " .. messages .. " messages")
  end
  -- Cancel: the event reaches a process waiting either way.
  for messages = 0, 1 do
    local pid = check.must(process.spawn_monitored("lib:park_alternate", check.HOST, me))
    for i = 1, messages do
      check.must(process.send(pid, "wake", i))
      check.msg("got")
    end
    time.sleep(2)
    check.must(process.cancel(pid, 20))
    local ev = check.exit(pid)
    check.eq(ev.result ~= nil and ev.result.error ~= nil, true, "a cancelled process exits abnormally (" .. messages .. " messages)")
  end
  return true
end
