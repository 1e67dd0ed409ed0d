-- Attack: a fork bomb under default limits. Every process spawns copies of
-- itself as fast as it can, forever, ignoring every failure.
--
-- What should stop it: nothing ends it (a spawn loop waits for nothing, so
-- cpu_run ends each process after a while, and survivors replace the dead);
-- what must hold is that the neighbour tenant keeps its share of the CPU.
return function()
  local spawn = process.spawn
  while true do
    spawn("main", "app:processes")
  end
end
