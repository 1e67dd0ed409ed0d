-- SPEC Upgrade: process.upgrade(source, ...) replaces the running code, keeping PID, mailbox, links, monitors and names, runs the new main(...) with fresh globals; code after upgrade never runs.
local check = require("lib.check")

return function()
  local me = process.pid()
  for _, how in ipairs({ "plain", "pcall" }) do
    local pid = check.must(process.spawn_monitored("lib:upgrade_v1", check.HOST, me))
    check.must(process.registry.register("upgradable", pid))
    check.must(process.set_options({ trap_links = true }))
    check.must(process.link(pid))
    check.must(process.send(pid, "ping"))
    check.eq(check.msg("pong"), "v1", how .. ": answer before the upgrade")

    -- The upgrade request and a ping right behind it: the ping waits in the
    -- mailbox and the new code answers it.
    check.must(process.send(pid, "upgrade", how))
    check.must(process.send(pid, "ping"))
    local m = check.message("v2_started (" .. how .. ")")
    check.eq(m:topic(), "v2_started", how .. ": first message after the upgrade (code after upgrade must not run)")
    local npid, nid, state, n, v1_global = m:payload()
    check.eq(npid, pid, how .. ": PID after upgrade")
    check.eq(nid, "lib:upgrade_v2", how .. ": process.id() after upgrade")
    check.eq(state, "state-from-v1", how .. ": upgrade argument")
    check.eq(n, 1, how .. ": upgrade table argument")
    check.eq(v1_global, "nil", how .. ": the new code starts with fresh globals")
    check.eq(check.msg("pong"), "v2", how .. ": the message sent during the upgrade is answered by the new code")

    -- Names survive.
    check.eq(process.registry.lookup("upgradable"), pid, how .. ": name after upgrade")
    check.must(process.send("upgradable", "ping"))
    check.eq(check.msg("pong"), "v2", how .. ": send by name after upgrade")

    -- Links and monitors survive: a failure of the new code reaches both.
    check.must(process.send(pid, "fail"))
    local seen = {}
    for _ = 1, 2 do
      local ev = check.recv(process.events(), "EXIT and LINK_DOWN after the upgraded process failed")
      check.eq(ev.from, pid, how .. ": event source")
      check.contains(ev.result.error, "v2 failed", how .. ": " .. ev.kind .. " error")
      seen[ev.kind] = true
    end
    assert(seen.EXIT, how .. ": the monitor did not survive the upgrade")
    assert(seen.LINK_DOWN, how .. ": the link did not survive the upgrade")
    check.none(process.inbox(), "message after the upgraded process failed (code after upgrade ran?)", 20)
    check.err("NOT_FOUND", how .. ": the name is released at exit", process.registry.lookup("upgradable"))
    check.must(process.set_options({ trap_links = false }))
  end
  return true
end
