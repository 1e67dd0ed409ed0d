-- Attack: a busy loop that tries to survive being stopped. Every loop runs
-- under pcall or xpcall (whose handler loops too) so the error that stops it
-- is caught and the loop starts again, in three coroutine.spawn siblings and
-- in main, and inside a coroutine.wrap inside pcall.
--
-- What should stop it: cpu_total, counted per process over all its
-- coroutines. When the budget is spent the process is killed: from then on
-- every Lua instruction of every one of its coroutines raises at once, so
-- pcall returns false and the very next instruction raises again, and the
-- process unwinds through every pcall ("TIMEOUT: CPU budget exhausted").
-- Until then cpu_turn preempts it like any loop.
local function spin()
  while true do end
end

local function survivor()
  while true do
    pcall(spin)
    xpcall(spin, function() spin() end)
    pcall(coroutine.wrap(function()
      while true do pcall(spin) end
    end))
  end
end

return function()
  for _ = 1, 3 do
    coroutine.spawn(survivor)
  end
  survivor()
end
