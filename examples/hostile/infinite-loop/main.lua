-- Attack: the plainest CPU hog, a loop that never blocks and never ends.
--
-- What should stop it: the instruction budget. Every 2,000 instructions
-- (abi.TickInstructions) the process asks the host whether it may go on; its
-- turn ends there if another instance (the neighbour tenant) waits for the
-- shard, after cpu_turn instructions otherwise; after cpu_total instructions
-- (tenant.yaml) the host answers TIMEOUT and the process ends with "CPU
-- budget exhausted".
return function()
  while true do end
end
