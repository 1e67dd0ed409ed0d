-- SPEC Sending: a message that arrives before the process has subscribed (no inbox() yet) waits in the mailbox, in order, and is delivered when it subscribes.
local check = require("lib.check")

return function()
  local me = process.pid()
  -- Messages to myself before my first process.inbox() call.
  for i = 1, 5 do check.must(process.send(me, "early", i)) end
  time.sleep(20)
  local inbox = process.inbox()
  for i = 1, 5 do
    local m = check.recv(inbox, "early message " .. i)
    check.eq(m:topic(), "early")
    check.eq(m:payload(), i, "early message order")
  end

  -- A child that sleeps before it calls process.inbox() gets everything sent
  -- to it meanwhile, in order.
  local child = check.must(process.spawn_monitored("lib:late_inbox", check.HOST, 50, 50))
  for i = 1, 50 do check.must(process.send(child, "n", i)) end
  local ev = check.exit(child)
  assert(ev.result.value, "lib:late_inbox failed: " .. check.show(ev.result.error))
  local expect = {}
  for i = 1, 50 do expect[i] = i end
  check.same(ev.result.value, expect, "messages received after a late inbox()")
  return true
end
