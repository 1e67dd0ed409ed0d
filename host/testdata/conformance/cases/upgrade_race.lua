-- SPEC Upgrade (race): upgrading while messages arrive keeps the mailbox: no message is lost, repeated or reordered across upgrades.
local check = require("lib.check")

return function()
  local me = process.pid()
  -- 300 messages, upgrade(nil, ...) every 7 of them, sender not waiting.
  local total = 300
  local pid = check.must(process.spawn_monitored("lib:upgrade_stream", check.HOST, me, 1, total, 7))
  for i = 1, total do check.must(process.send(pid, "n", i)) end
  local count, generations = check.msg("all")
  check.eq(count, total, "messages seen across upgrades")
  check.eq(generations, math.floor((total - 1) / 7) + 1, "generations")
  local ev = check.exit(pid)
  check.eq(ev.result.value, total, "exit value")

  -- Upgrade to a different source in the middle of a stream, repeated.
  for round = 1, 5 do
    pid = check.must(process.spawn_monitored("lib:upgrade_switch", check.HOST, me, 10 * round, 100))
    for i = 1, 100 do check.must(process.send(pid, "n", i)) end
    local n, id = check.msg("all")
    check.eq(n, 100, "round " .. round .. ": messages seen across the upgrade")
    check.eq(id, "lib:upgrade_counter_v2", "round " .. round .. ": process.id() after the upgrade")
    ev = check.exit(pid)
    check.eq(ev.result.value, 100, "round " .. round .. ": exit value")
  end
  return true
end
