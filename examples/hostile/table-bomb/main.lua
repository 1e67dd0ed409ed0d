-- Attack: memory exhaustion through tables.
--   array  (default) one array that grows without end: t[i] = i
--   tables many small tables kept in one array: t[i] = {i, i}
--
-- What should stop it: the memory soft limit. Every 10,000 instructions
-- (every fifth tick) the guest heap is compared with memory_soft (75% of memory);
-- past it, after a collection, the process that allocated the most is ended
-- with "UNAVAILABLE: memory limit exceeded" and the instance lives on. The
-- cap itself (memory) is the last resort: reaching it traps the instance,
-- and crash containment ends this tenant's processes in it ("sandbox
-- crashed"), nobody else's.
-- Known gap: an array grows by doubling inside one Go allocation, so the old
-- and new backing arrays (1.5x the array) must fit at once; an array past
-- ~40% of the cap traps the instance before any tick sees the heap over the
-- soft limit.
-- stress: array tables
return function(mode)
  local t, i = {}, 0
  if mode == "tables" then
    while true do
      i = i + 1
      t[i] = { i, i }
    end
  end
  while true do
    i = i + 1
    t[i] = i
  end
end
