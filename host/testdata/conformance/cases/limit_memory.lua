-- SPEC Processes, sources and hosts: a broken limit ends the process that broke it, never its neighbours: a memory bomb is stopped in the offending process ("memory limit exceeded"), not by crashing the whole sandbox.
-- modes: sandbox
-- The bomb keeps 1 GiB + 64 MiB alive, more than a sandbox instance's linear
-- memory (1 GiB by default): in the sandbox it must be stopped. A native
-- tenant may have no memory limit; then the bomb may finish, but its
-- neighbours must still be fine either way.
local check = require("lib.check")

return function()
  local echoes = {}
  for i = 1, 8 do echoes[i] = check.must(process.spawn("lib:echo", check.HOST)) end
  local bomb = check.must(process.spawn_monitored("lib:exits", check.HOST, "memory_bomb", 1088))
  local ev = check.exit(bomb, 30000)
  if ev.result.error then
    check.contains(ev.result.error, "memory limit exceeded", "the bomb's exit error (not a sandbox crash)")
  else
    check.eq(ev.result.value, 1088, "an unstopped bomb's value")
  end
  -- The neighbours (some share the bomb's instance) are alive.
  for i = 1, 8 do
    check.must(process.send(echoes[i], "ping", i))
  end
  local sum = 0
  for _ = 1, 8 do sum = sum + check.msg("ping") end
  check.eq(sum, 36, "neighbours of the memory bomb answered")
  for i = 1, 8 do process.send(echoes[i], "stop") end
  return true
end
