-- SPEC Spawning: spawn, spawn_monitored, spawn_linked, spawn_linked_monitored return a PID that is addressable as soon as the call returns.
local check = require("lib.check")

return function()
  local me = process.pid()
  -- Addressable at once: send, register and monitor right after spawn.
  local echo = check.must(process.spawn("lib:echo", check.HOST))
  check.eq(type(echo), "string", "spawn's result")
  check.ok("send right after spawn", process.send(echo, "ping", 1))
  check.ok("register right after spawn", process.registry.register("spawn_basic_echo", echo))
  check.ok("monitor right after spawn", process.monitor(echo))
  check.eq(check.msg("ping"), 1, "echo of the first message")
  check.must(process.send("spawn_basic_echo", "stop"))
  local ev = check.exit(echo)
  check.eq(ev.result.value, 1, "echo's count")

  -- spawn_monitored: EXIT on exit.
  local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "value", "m"))
  check.eq(check.exit(pid).result.value, "m", "spawn_monitored EXIT value")

  -- spawn_linked: a normal exit of the child leaves me running.
  check.must(process.spawn_linked("lib:exits", check.HOST, "value", "l"))
  -- spawn_linked_monitored: EXIT on exit, link silently broken by a normal exit.
  pid = check.must(process.spawn_linked_monitored("lib:exits", check.HOST, "value", "lm"))
  check.eq(check.exit(pid).result.value, "lm", "spawn_linked_monitored EXIT value")

  -- Plain spawn: no EXIT ever reaches the spawner.
  pid = check.must(process.spawn("lib:exits", check.HOST, "value", "plain"))
  time.sleep(20)
  local events = process.events()
  check.none(events, "event after a plain spawn or a normal exit of a linked child", 10)

  -- spawn_linked_monitored with a failing child, while trapping links: both EXIT and LINK_DOWN.
  check.must(process.set_options({ trap_links = true }))
  pid = check.must(process.spawn_linked_monitored("lib:exits", check.HOST, "error", "lm failed"))
  local kinds = {}
  for _ = 1, 2 do
    local e = check.recv(events, "EXIT and LINK_DOWN of a failing spawn_linked_monitored child")
    check.eq(e.from, pid, "event source")
    check.contains(e.result.error, "lm failed", e.kind .. " error")
    kinds[e.kind] = (kinds[e.kind] or 0) + 1
  end
  check.eq(kinds.EXIT, 1, "EXIT events")
  check.eq(kinds.LINK_DOWN, 1, "LINK_DOWN events")
  check.must(process.set_options({ trap_links = false }))
  check.eq(me, process.pid())
  return true
end
