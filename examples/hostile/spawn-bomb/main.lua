-- Attack: a fork bomb. Every process runs this same main: it spawns copies
-- of itself as fast as it can, forever, ignoring every failure, so the
-- processes it makes do the same.
--
-- What should stop it: the tenant's process quota (processes) and spawn
-- rate (spawns_per_second) make further spawns fail with RATE_LIMITED; each
-- process busy-retrying is preempted by cpu_turn and ended by cpu_total, but
-- the survivors keep replacing the dead, so the bomb as a whole never ends
-- by itself: the best outcome is "still running, contained". Without a
-- cpu_rate its CPU is bounded only by spawns_per_second x cpu_total
-- instructions per second (about a core here); the tenant's cpu_rate bounds
-- it whatever the number of processes.
return function()
  local spawn = process.spawn
  while true do
    spawn("main", "app:processes")
  end
end
