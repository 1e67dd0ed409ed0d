-- SPEC Spawning (race): the PID is addressable as soon as spawn returns — and so from the child's first instruction (a with_name child finds its name too), even while many processes spawn at once.
local check = require("lib.check")

return function()
  local me = process.pid()
  local storms = 6
  -- Processes that keep the process table busy (a send by PID looks it up).
  local noise = {}
  for i = 1, 4 do noise[i] = check.must(process.spawn("lib:exits", check.HOST, "self_spam")) end
  for s = 1, storms do check.must(process.spawn("lib:spawn_storm", check.HOST, me, "storm" .. s, 150)) end
  local problems = {}
  for _ = 1, storms do
    local tag, failures, first = check.msg("storm", 20000)
    if failures > 0 then problems[#problems + 1] = tag .. ": " .. failures .. " children, first: " .. first end
  end
  for i = 1, 4 do process.send(noise[i], "stop") end
  if #problems > 0 then
    error("children that could not reach themselves at their first instruction:\n" .. table.concat(problems, "\n"))
  end
  return true
end
