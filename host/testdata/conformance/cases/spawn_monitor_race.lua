-- SPEC Spawning: the monitor/link exists before the child runs its first instruction: a child that exits immediately still produces EXIT (and LINK_DOWN, or death by link).
local check = require("lib.check")

return function()
  local me = process.pid()
  for i = 1, 30 do
    local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "value", i))
    check.eq(check.exit(pid).result.value, i, "EXIT of an instantly exiting spawn_monitored child")
  end
  for i = 1, 30 do
    local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "error", "instant " .. i))
    check.contains(check.exit(pid).result.error, "instant " .. i, "EXIT of an instantly failing child")
  end

  check.must(process.set_options({ trap_links = true }))
  for i = 1, 30 do
    local pid = check.must(process.spawn_linked("lib:exits", check.HOST, "error", "linked " .. i))
    local ev = check.event(process.event.LINK_DOWN, pid)
    check.contains(ev.result.error, "linked " .. i, "LINK_DOWN of an instantly failing spawn_linked child")
  end
  for i = 1, 20 do
    local pid = check.must(process.spawn_linked_monitored("lib:exits", check.HOST, "error", "both " .. i))
    local seen = {}
    for _ = 1, 2 do
      local ev = check.recv(process.events(), "EXIT and LINK_DOWN of child " .. i)
      check.eq(ev.from, pid, "event source")
      seen[ev.kind] = true
    end
    assert(seen.EXIT and seen.LINK_DOWN, "want EXIT and LINK_DOWN from an instantly failing spawn_linked_monitored child")
  end
  check.must(process.set_options({ trap_links = false }))

  -- Untrapped: a process whose spawn_linked child fails at once dies too.
  for i = 1, 10 do
    local middle = check.must(process.spawn_monitored("lib:link_middle", check.HOST, me, false, "error", "instant"))
    local ev = check.exit(middle)
    check.contains(ev.result.error, "linked process failed", "exit of a process whose linked child failed at once (" .. i .. ")")
  end
  return true
end
