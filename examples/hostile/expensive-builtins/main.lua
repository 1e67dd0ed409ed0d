-- Attack: cheap instructions that are expensive work. The budget counts Lua
-- VM instructions: a call of a Go builtin is one instruction however much
-- work it does.
--   error   (default) pcall(error, "x") in a loop: each raise builds a Lua
--           error with its traceback (~0.1 ms in the sandbox, ~100 times an
--           ordinary instruction)
--   string  string.upper of a 1 MiB string in a loop (~35 ms per call, one
--           instruction); stops itself after 3 seconds
--   compile loadstring of a 10 KB source in a loop (~20 ms per call)
--           stops itself after 3 seconds
--
-- What should stop it: the tick (every 2,000 instructions) should end its
-- turn as soon as a neighbour waits for the shard, cpu_total should end it.
-- Both count instructions, so one tick takes ~0.06 s with "error" and
-- seconds with "string"; cpu_total (1,000,000 instructions) ends "error"
-- only after ~500 such ticks and the other two after hours. Measured as a
-- gap: the string and compile variants stop themselves after 3 seconds so a
-- stress run can finish.
-- stress: error string compile
return function(mode)
  if mode == "string" or mode == "compile" then
    local big = ("x"):rep(1048576)
    local src = ("local a = 1 "):rep(1000)
    local started, calls = os.clock(), 0
    while os.clock() - started < 3 do
      if mode == "string" then
        string.upper(big)
      else
        loadstring(src)
      end
      calls = calls + 1
    end
    return { calls = calls, note = "stopped itself: the budget would not for hours" }
  end
  while true do
    pcall(error, "x")
  end
end
