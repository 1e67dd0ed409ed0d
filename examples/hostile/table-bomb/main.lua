-- Attack: memory exhaustion through tables.
--   array  (default) one array that grows without end: t[i] = i
--   hash   one hash part that grows without end: t[i + 0.5] = true
--   tables many small tables kept in one array: t[i] = {i, i}
--
-- What should stop it: the memory soft limit. Every 10,000 instructions
-- (every fifth tick) the guest heap is compared with memory_soft (75% of memory);
-- past it, after a collection, the process that allocated the most is ended
-- with "UNAVAILABLE: memory limit exceeded" and the instance lives on. The
-- cap itself (memory) is the last resort: reaching it traps the instance,
-- and crash containment ends this tenant's processes in it ("sandbox
-- crashed"), nobody else's.
-- An array grows inside one Go allocation, old and new backing arrays at
-- once, and trapped the instance under the soft limit; a table's array part
-- is capped at soft limit / 120 elements (419,430 at 64 MiB): past it,
-- "table too large" is the process's error. The same held for a hash part
-- (its keys are kept in insertion order in a slice that also grows by
-- reallocation; float keys trapped the instance): capped at soft limit /
-- 240 keys (209,715 at 64 MiB).
-- stress: array hash tables
return function(mode)
  local t, i = {}, 0
  if mode == "hash" then
    while true do
      i = i + 1
      t[i + 0.5] = true
    end
  end
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
