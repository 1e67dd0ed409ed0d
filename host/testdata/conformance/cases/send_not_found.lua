-- SPEC Sending: an unknown or dead destination is NOT_FOUND; a process may send to itself.
local check = require("lib.check")

return function()
  local me = process.pid()
  check.err("NOT_FOUND", "send to an unregistered name", process.send("nobody-registered-this", "t", 1))
  check.err("NOT_FOUND", "send to an unknown PID", process.send("{app:processes|0xfffffff.t1.n0}", "t", 1))
  local forged = me:gsub("0x(%x+)", "0x7ffffff0")
  check.err("NOT_FOUND", "send to a forged PID", process.send(forged, "t", 1))
  local bad, berr = process.send("{garbage", "t", 1)
  assert(bad == nil and (check.kind_of(berr) == "NOT_FOUND" or check.kind_of(berr) == "INVALID"),
    "send to a malformed PID: want NOT_FOUND or INVALID, got " .. check.show(bad) .. ", " .. check.show(berr))

  -- Dead: after its EXIT, a process is NOT_FOUND.
  local ev, pid = check.exit_of("value", "done")
  check.eq(ev.result.value, "done")
  check.err("NOT_FOUND", "send to an exited process", process.send(pid, "t", 1))
  ev, pid = check.exit_of("error", "crashed")
  check.err("NOT_FOUND", "send to a crashed process", process.send(pid, "t", 1))

  -- Sending to itself works.
  check.must(process.send(me, "to-self", "hi"))
  local m = check.message("message to myself")
  check.eq(m:topic(), "to-self")
  check.eq(m:from(), me, "from of a message to myself")
  check.eq(m:payload(), "hi")
  return true
end
