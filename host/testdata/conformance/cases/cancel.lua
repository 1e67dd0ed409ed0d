-- SPEC Lifecycle control: process.cancel(dest, deadline?) → true delivers a CANCEL event (from, deadline = Unix ms or nil); deadline is a duration string or integer ms, anything else INVALID; without a deadline cancel only asks.
local check = require("lib.check")

return function()
  local me = process.pid()
  check.eq(process.event.CANCEL, "CANCEL", "process.event.CANCEL")

  -- No deadline: the event has no deadline; the child decides to exit.
  local pid = check.must(process.spawn_monitored("lib:obey_cancel", check.HOST, me))
  check.eq(check.msg("started"), pid)
  check.eq(process.cancel(pid), true, "cancel without deadline")
  local kind, from, deadline = check.msg("cancel_event")
  check.eq(kind, "CANCEL", "event kind")
  check.eq(from, me, "CANCEL from")
  check.eq(deadline, nil, "CANCEL deadline without a deadline")
  check.eq(check.exit(pid).result.value, "obeyed", "a canceled process exits the way it chooses")

  -- Duration string, integer ms, compound duration: deadline = now + d.
  for _, c in ipairs({ { "50ms", 50 }, { 50, 50 }, { "2s", 2000 }, { "1m30s", 90000 } }) do
    pid = check.must(process.spawn_monitored("lib:obey_cancel", check.HOST, me))
    check.msg("started")
    local t0 = time.now()
    check.eq(process.cancel(pid, c[1]), true, "cancel with deadline " .. tostring(c[1]))
    local t1 = time.now()
    kind, from, deadline = check.msg("cancel_event")
    check.eq(from, me, "CANCEL from")
    assert(type(deadline) == "number", "CANCEL deadline for " .. tostring(c[1]) .. ": want a number, got " .. check.show(deadline))
    assert(check.isint(deadline), "CANCEL deadline must be integer milliseconds, got " .. tostring(deadline))
    assert(deadline >= t0 + c[2] - 1 and deadline <= t1 + c[2] + 1000,
      ("CANCEL deadline for %s: want about now+%d (%d..%d), got %d"):format(tostring(c[1]), c[2], t0 + c[2], t1 + c[2], deadline))
    local ev = check.exit(pid)
    check.eq(ev.result.value, "obeyed", "a process that exits before its deadline exits normally")
  end

  -- Without a deadline, cancel only asks: a process that ignores it lives on.
  pid = check.must(process.spawn_monitored("lib:ignore_cancel", check.HOST, me))
  check.msg("started")
  check.must(process.cancel(pid))
  local f, d = check.msg("cancel_event")
  check.eq(f, me, "CANCEL from")
  check.eq(d, nil, "no deadline")
  time.sleep(60)
  check.ok("a process that ignores a cancel without deadline must live on", process.send(pid, "still-there"))

  -- Invalid deadlines: INVALID, and no CANCEL is delivered.
  for _, bad in ipairs({ "abc", "5", "", "-5s", "5 s", -1, 1.5, -0.5, true, {}, function() end }) do
    check.err("INVALID", "cancel with deadline " .. check.show(bad), process.cancel(pid, bad))
  end
  check.none(process.inbox(), "CANCEL after an invalid cancel", 30)
  check.must(process.terminate(pid))
  check.eq(check.exit(pid).result.error, "terminated")

  -- By name, and dead/unknown destinations.
  pid = check.must(process.spawn_monitored("lib:obey_cancel", check.HOST, me))
  check.msg("started")
  check.must(process.registry.register("cancel_me", pid))
  check.eq(process.cancel("cancel_me"), true, "cancel by name")
  check.msg("cancel_event")
  check.exit(pid)
  check.err("NOT_FOUND", "cancel a dead process", process.cancel(pid))
  check.err("NOT_FOUND", "cancel a dead process with a deadline", process.cancel(pid, "1s"))
  check.err("NOT_FOUND", "cancel an unknown PID", process.cancel("{app:processes|0xfffffff.t1.n0}"))
  check.err("NOT_FOUND", "cancel an unknown name", process.cancel("cancel_me"))
  return true
end
