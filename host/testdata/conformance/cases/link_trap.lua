-- SPEC Lifecycle control: with trap_links = true an abnormal exit of a linked process arrives as a LINK_DOWN event ({kind, from, result = {error = ...}}) instead of killing.
local check = require("lib.check")

return function()
  check.eq(process.event.LINK_DOWN, "LINK_DOWN", "process.event.LINK_DOWN")
  check.must(process.set_options({ trap_links = true }))

  local pid = check.must(process.spawn_linked("lib:exits", check.HOST, "error", "trapped boom"))
  local ev = check.event(process.event.LINK_DOWN, pid)
  check.eq(ev.kind, "LINK_DOWN", "event kind")
  check.eq(ev.from, pid, "event from")
  check.eq(type(ev.result), "table", "LINK_DOWN result")
  check.contains(ev.result.error, "trapped boom", "LINK_DOWN result.error")
  check.eq(ev.result.value, nil, "LINK_DOWN result.value")
  check.eq(ev.deadline, nil, "LINK_DOWN has no deadline")

  pid = check.must(process.spawn_linked("lib:exits", check.HOST, "nil_err_obj", "NOT_FOUND", "soft"))
  check.eq(check.event(process.event.LINK_DOWN, pid).result.error, "soft", "LINK_DOWN of return nil, err")

  pid = check.must(process.spawn_linked("lib:exits", check.HOST, "block"))
  check.must(process.terminate(pid))
  check.eq(check.event(process.event.LINK_DOWN, pid).result.error, "terminated", "LINK_DOWN of a terminated process")

  -- An explicit link traps the same way.
  pid = check.must(process.spawn("lib:exits", check.HOST, "fail_on_message"))
  check.must(process.link(pid))
  check.must(process.send(pid, "go"))
  check.contains(check.event(process.event.LINK_DOWN, pid).result.error, "failed on request", "LINK_DOWN after link()")

  -- A trapping middle process reports LINK_DOWN and lives on.
  local middle = check.must(process.spawn_monitored("lib:link_middle", check.HOST, process.pid(), true, "error", "deep"))
  local child = check.msg("child")
  local from, err = check.msg("link_down")
  check.eq(from, child, "the middle's LINK_DOWN from")
  check.contains(err, "deep", "the middle's LINK_DOWN error")
  check.must(process.send(middle, "stop"))
  check.eq(check.exit(middle).result.value, "stopped", "the trapping middle survived")

  check.must(process.set_options({ trap_links = false }))
  check.eq(process.get_options().trap_links, false, "trap_links after resetting")
  return true
end
