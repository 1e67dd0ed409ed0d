-- SPEC Processes, sources and hosts (limits): a memory bomb made by one Go builtin call (string.rep of 1.5 GiB) is stopped in the offending process — a size limit or the memory limit — and never crashes the sandbox instance its neighbours share.
-- modes: sandbox
-- 1.5 GiB is more than a sandbox instance's linear memory (1 GiB by
-- default), so in the sandbox the call must fail; a native tenant may have
-- no limit and then the call may succeed. (A string.rep of 1 TiB, which
-- would kill a native host outright, is not tried here.)
local check = require("lib.check")

return function()
  local echoes = {}
  for i = 1, 8 do echoes[i] = check.must(process.spawn("lib:echo", check.HOST)) end
  local bomb = check.must(process.spawn_monitored("lib:exits", check.HOST, "rep_bomb", 1536))
  local ev = check.exit(bomb, 30000)
  if ev.result.error then
    assert(not ev.result.error:find("sandbox crashed", 1, true),
      "the string.rep bomb crashed its whole sandbox instance: " .. ev.result.error)
  else
    check.eq(ev.result.value, 1536 * 1024 * 1024, "length of an unstopped string.rep")
  end
  for i = 1, 8 do check.must(process.send(echoes[i], "ping", i)) end
  local sum = 0
  for _ = 1, 8 do sum = sum + check.msg("ping") end
  check.eq(sum, 36, "neighbours of the string.rep bomb answered")
  for i = 1, 8 do process.send(echoes[i], "stop") end
  return true
end
