-- SPEC Upgrade: upgrade(nil, state) re-runs the same source with new arguments; a failed load is an abnormal exit; a non-string source is INVALID.
local check = require("lib.check")

return function()
  local me = process.pid()
  local pid = check.must(process.spawn_monitored("lib:upgrade_again", check.HOST, me))
  for gen = 1, 3 do
    local n, id, previous, trap = check.msg("gen")
    check.eq(n, gen, "generation")
    -- Decision (as Erlang keeps process flags across a code change): options survive upgrade.
    check.eq(trap, true, "generation " .. gen .. ": trap_links set before the upgrade")
    check.eq(id, "lib:upgrade_again", "process.id() after upgrade(nil, ...)")
    check.eq(previous, "nil", "generation " .. gen .. " sees fresh globals")
  end
  local ev = check.exit(pid)
  check.eq(ev.result.value, 3, "exit value of the last generation")
  check.none(process.inbox(), "after_upgrade (code after upgrade ran)", 20)

  -- A source that fails to load: the process exits abnormally.
  pid = check.must(process.spawn_monitored("lib:upgrade_to", check.HOST, me, "lib:does_not_exist"))
  ev = check.exit(pid)
  assert(ev.result.error, "upgrade to a missing source must be an abnormal exit, got value " .. check.show(ev.result.value))
  pid = check.must(process.spawn_monitored("lib:upgrade_to", check.HOST, me, "lib:syntax_error"))
  ev = check.exit(pid)
  assert(ev.result.error, "upgrade to a source with a syntax error must be an abnormal exit")
  check.contains(ev.result.error, "syntax_error", "exit error of an upgrade to a broken source")
  check.none(process.inbox(), "after_upgrade after a failed upgrade", 20)

  -- Upgrade called from a coroutine.spawn sibling, inside coroutine.wrap,
  -- coroutine.resume or xpcall: the whole process switches to the new code;
  -- nothing after the call runs.
  for _, how in ipairs({ "sibling", "wrap", "resume", "xpcall" }) do
    pid = check.must(process.spawn_monitored("lib:upgrade_odd", check.HOST, me, how))
    local m = check.message("upgraded (" .. how .. ")")
    check.eq(m:topic(), "upgraded", how .. ": first message (code after upgrade ran? payload "
      .. check.show((select(2, m:payload()))) .. ")")
    local gen = m:payload()
    check.eq(gen, "from " .. how, how .. ": new generation's argument")
    ev = check.exit(pid)
    check.eq(ev.result.value, "from " .. how, how .. ": exit value of the new code")
    check.none(process.inbox(), "after_upgrade (" .. how .. ")", 20)
  end

  -- Wrong types are INVALID and change nothing (checked in this process).
  check.err("INVALID", "upgrade(5)", process.upgrade(5))
  check.err("INVALID", "upgrade({})", process.upgrade({}))
  check.err("INVALID", "upgrade(true)", process.upgrade(true))
  check.eq(process.id(), "cases:upgrade_self", "process.id() after refused upgrades")
  return true
end
