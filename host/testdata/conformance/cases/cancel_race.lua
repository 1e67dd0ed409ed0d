-- SPEC Lifecycle control (race): a cancel deadline racing a normal exit: the process exits exactly once, normally or with TIMEOUT, never both; a deadline after a normal exit changes nothing.
local check = require("lib.check")

return function()
  local me = process.pid()
  local normal, forced = 0, 0
  for i = 1, 20 do
    -- The child sleeps as long as its deadline after the CANCEL arrives.
    local pid = check.must(process.spawn_monitored("lib:obey_cancel", check.HOST, me, 15))
    -- A child the deadline ended before it ran (a busy machine) sent no
    -- cancel_event; one it ended in its sleep did: skip such leftovers.
    local m
    repeat m = check.message("started") until m:topic() == "started"
    check.must(process.cancel(pid, 15))
    local ev = check.exit(pid)
    if ev.result.error then forced = forced + 1 else
      check.eq(ev.result.value, "obeyed", "race " .. i .. ": normal exit value")
      normal = normal + 1
      check.msg("cancel_event")
    end
  end
  -- The child exits as soon as it runs, racing a 5ms deadline: whichever
  -- wins, there is exactly one EXIT, normal with its value or the deadline's error.
  for i = 1, 20 do
    local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "value", i))
    local ok, err = process.cancel(pid, 5)
    if not ok then check.eq(check.kind_of(err), "NOT_FOUND", "cancel of a process that just exited") end
    local ev = check.exit(pid)
    if ev.result.error then
      check.contains(ev.result.error, "deadline", "race " .. i .. ": a forced exit is the deadline's")
    else
      check.eq(ev.result.value, i, "race " .. i .. ": a normal exit keeps its value")
    end
  end
  time.sleep(30)
  check.none(process.events(), "second EXIT after a deadline", 20)
  assert(normal + forced == 20)
  return true
end
