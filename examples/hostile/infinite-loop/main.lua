-- Attack: the plainest CPU hog, a loop that never blocks and never ends.
--
-- What should stop it: the instruction budget. Every 10,000 instructions the
-- process asks the host whether it may go on; after cpu_turn instructions its
-- turn ends and the shard runs the other instances (the neighbour tenant)
-- before this one again; after cpu_total instructions (tenant.yaml) the host
-- answers TIMEOUT and the process ends with "CPU budget exhausted".
return function()
  while true do end
end
