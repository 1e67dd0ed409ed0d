-- SPEC Lifecycle control (race): linking or monitoring a process that is dying at that moment either fails with NOT_FOUND or succeeds and then delivers LINK_DOWN / EXIT; never success followed by silence.
local check = require("lib.check")

return function()
  check.must(process.set_options({ trap_links = true }))
  local linked, missed = 0, 0
  for i = 1, 60 do
    local pid = check.must(process.spawn("lib:exits", check.HOST, "error", "dying " .. i))
    if i % 3 == 0 then time.sleep(0) end
    local ok, err = process.link(pid)
    if ok then
      local ev = check.event(process.event.LINK_DOWN, pid)
      check.contains(ev.result.error, "dying " .. i, "LINK_DOWN of a process that died while I linked")
      linked = linked + 1
    else
      check.eq(check.kind_of(err), "NOT_FOUND", "link to a process that just died")
      missed = missed + 1
    end
  end
  local monitored = 0
  for i = 1, 60 do
    local pid = check.must(process.spawn("lib:exits", check.HOST, "error", "dying " .. i))
    local ok, err = process.monitor(pid)
    if ok then
      check.contains(check.exit(pid).result.error, "dying " .. i, "EXIT of a process that died while I monitored")
      monitored = monitored + 1
    else
      check.eq(check.kind_of(err), "NOT_FOUND", "monitor a process that just died")
    end
  end
  -- Normal exits racing a link: link may succeed or be NOT_FOUND, but no
  -- LINK_DOWN may follow.
  for i = 1, 30 do
    local pid = check.must(process.spawn("lib:exits", check.HOST, "value", i))
    local ok, err = process.link(pid)
    if not ok then check.eq(check.kind_of(err), "NOT_FOUND", "link to a process that just exited") end
  end
  check.none(process.events(), "event after links to normally exiting processes", 50)
  check.must(process.set_options({ trap_links = false }))
  assert(linked + missed == 60)
  return true
end
