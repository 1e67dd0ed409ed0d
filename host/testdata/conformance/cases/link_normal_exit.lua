-- SPEC Lifecycle control: a normal exit breaks links silently: no death, no LINK_DOWN.
local check = require("lib.check")

return function()
  local me = process.pid()
  -- Untrapped: my linked children exit normally, I live on.
  for i = 1, 5 do
    local pid = check.must(process.spawn_linked_monitored("lib:exits", check.HOST, "value", i))
    check.eq(check.exit(pid).result.value, i, "EXIT of a linked child")
    check.err("NOT_FOUND", "link to the exited child", process.link(pid))
  end
  check.must(process.spawn_linked("lib:exits", check.HOST, "nothing"))
  time.sleep(20)

  -- Trapped: EXIT only, never LINK_DOWN.
  check.must(process.set_options({ trap_links = true }))
  local pid = check.must(process.spawn_linked_monitored("lib:exits", check.HOST, "value", "fine"))
  check.eq(check.exit(pid).result.value, "fine", "EXIT of a trapped linked child")
  check.none(process.events(), "LINK_DOWN after a normal exit", 30)
  check.must(process.set_options({ trap_links = false }))

  -- A middle process (untrapped) whose linked child exits normally lives on.
  local middle = check.must(process.spawn_monitored("lib:link_middle", check.HOST, me, false, "value", "fine"))
  check.msg("child")
  time.sleep(20)
  check.must(process.send(middle, "stop"))
  check.eq(check.exit(middle).result.value, "stopped", "middle after its linked child exited normally")
  return true
end
