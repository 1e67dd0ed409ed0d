-- SPEC Upgrade: the mailbox is kept across an upgrade: listen subscriptions belong to the old code, so the new code can listen on the same topic again, and no message of that topic is lost (decision: listeners are dropped at upgrade and their unread messages wait for the new code).
local check = require("lib.check")

return function()
  local me = process.pid()
  local pid = check.must(process.spawn_monitored("lib:upgrade_listen_v1", check.HOST, me))
  check.must(process.send(pid, "t", 1))
  check.eq(check.msg("v1_got"), 1, "the old code's listener")
  check.must(process.send(pid, "t", 2)) -- sits unread in the old code's listener
  check.must(process.send(pid, "upgrade"))
  check.must(process.send(pid, "t", 3)) -- arrives during or after the upgrade
  local m = check.message("v2_got")
  if m:topic() == "listen_failed" then
    local kind, msg = m:payload()
    error("after upgrade, process.listen on the old code's topic failed: " .. tostring(kind) .. ": " .. tostring(msg))
  end
  check.eq(m:topic(), "v2_got")
  check.eq(m:payload(), 2, "the message waiting in the old listener reaches the new code")
  check.eq(check.msg("v2_got"), 3, "the message sent after the upgrade")
  check.eq(check.exit(pid).result.value, "done")
  return true
end
