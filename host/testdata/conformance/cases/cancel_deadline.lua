-- SPEC Lifecycle control: if a canceled process has not exited by the deadline, the runtime terminates it (abnormal exit, kind TIMEOUT).
local check = require("lib.check")

return function()
  local me = process.pid()
  -- Through process.call, which shows the exit's kind: a sibling cancels the
  -- called child with "50ms"; the child ignores it.
  coroutine.spawn(function()
    local child = check.msg("started")
    check.must(process.cancel(child, "50ms"))
  end)
  local t0 = time.now()
  local v, err = process.call("lib:ignore_cancel", check.HOST, me)
  local elapsed = time.now() - t0
  check.eq(v, nil, "call of a child that outlived its deadline")
  check.eq(check.kind_of(err), "TIMEOUT", "kind of the forced exit after a cancel deadline")
  check.contains(err:message(), "deadline", "message of the forced exit after a cancel deadline")
  assert(elapsed >= 45, "the child was ended before its deadline: after " .. elapsed .. "ms")
  assert(elapsed < 3000, "the child was ended long after its deadline: after " .. elapsed .. "ms")
  check.msg("cancel_event")

  -- Integer milliseconds, seen through EXIT.
  local pid = check.must(process.spawn_monitored("lib:ignore_cancel", check.HOST, me))
  check.msg("started")
  t0 = time.now()
  check.must(process.cancel(pid, 40))
  local ev = check.exit(pid)
  elapsed = time.now() - t0
  assert(type(ev.result.error) == "string" and ev.result.error ~= "", "forced exit must be abnormal")
  assert(elapsed >= 35, "ended before its 40ms deadline: after " .. elapsed .. "ms")

  -- Busy processes cannot escape the deadline either.
  for _, how in ipairs({ "busy", "busy_pcall" }) do
    pid = check.must(process.spawn_monitored("lib:exits", check.HOST, how))
    check.must(process.cancel(pid, "30ms"))
    ev = check.exit(pid)
    assert(ev.result.error, how .. ": forced exit must be abnormal")
  end
  return true
end
