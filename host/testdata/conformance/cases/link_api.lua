-- SPEC Lifecycle control: link(dest)/unlink(dest) are two-way; linking or unlinking a process that is not alive (dead or unknown) is NOT_FOUND.
local check = require("lib.check")

return function()
  -- unlink removes the link: the child's failure no longer reaches me
  -- (untrapped: if unlink did not work, this case would die).
  local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "fail_on_message"))
  check.eq(process.link(pid), true, "link to a live process")
  check.eq(process.link(pid), true, "link twice")
  check.eq(process.unlink(pid), true, "unlink")
  check.must(process.send(pid, "go"))
  check.contains(check.exit(pid).result.error, "failed on request", "the unlinked child's exit")
  time.sleep(20)

  -- A process I linked and unlinked keeps working normally.
  local survivor = check.must(process.spawn_monitored("lib:echo", check.HOST))
  check.must(process.link(survivor))
  check.must(process.unlink(survivor))
  check.must(process.send(survivor, "ping", 1))
  check.eq(check.msg("ping"), 1, "echo after link/unlink")
  check.must(process.send(survivor, "stop"))
  check.exit(survivor)

  -- Dead and unknown destinations.
  local ev, dead = check.exit_of("value", 1)
  check.err("NOT_FOUND", "link to a dead process", process.link(dead))
  check.err("NOT_FOUND", "unlink from a dead process", process.unlink(dead))
  check.err("NOT_FOUND", "link to an unknown PID", process.link("{app:processes|0xfffffff.t1.n0}"))
  check.err("NOT_FOUND", "unlink from an unknown PID", process.unlink("{app:processes|0xfffffff.t1.n0}"))
  check.err("NOT_FOUND", "link to an unknown name", process.link("nobody-by-this-name"))
  check.err("NOT_FOUND", "unlink from an unknown name", process.unlink("nobody-by-this-name"))
  check.eq(ev.result.value, 1)

  -- Trapping: link() then the other side fails: LINK_DOWN.
  check.must(process.set_options({ trap_links = true }))
  pid = check.must(process.spawn("lib:exits", check.HOST, "block"))
  check.must(process.link(pid))
  check.must(process.terminate(pid))
  check.eq(check.event(process.event.LINK_DOWN, pid).result.error, "terminated", "LINK_DOWN after link()")
  check.must(process.set_options({ trap_links = false }))
  return true
end
