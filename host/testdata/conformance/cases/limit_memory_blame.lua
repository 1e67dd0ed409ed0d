-- SPEC Processes, sources and hosts (limits): the memory limit ends the process that broke it, never a neighbour: a process that grabs memory in a few instructions and then blocks must not get an innocent neighbour killed at the neighbour's next check.
-- modes: sandbox
-- The hoarder takes 800 MiB (past the sandbox's soft limit, 3/4 of 1 GiB)
-- in about 5,000 instructions, less than one metering interval, then waits.
-- The workers allocate nothing; they only run long enough to be metered.
local check = require("lib.check")

return function()
  local hoarder = check.must(process.spawn_monitored("lib:exits", check.HOST, "hoard", 800))
  time.sleep(100)
  local workers = {}
  for i = 1, 8 do workers[i] = check.must(process.spawn_monitored("lib:exits", check.HOST, "spin", 30000)) end
  local is_worker = {}
  for i = 1, 8 do is_worker[workers[i]] = true end
  local done, hoarder_gone = 0, false
  while done < 8 do
    local ev = check.recv(process.events(), "EXIT of a worker", 30000)
    if is_worker[ev.from] then
      check.eq(ev.result.error, nil, "a worker that allocated nothing was ended")
      check.eq(ev.result.value, "spun", "worker's value")
      done = done + 1
    elseif ev.from == hoarder then
      hoarder_gone = true
      check.contains(ev.result.error, "memory limit exceeded", "the hoarder's exit")
    end
  end
  if not hoarder_gone then
    if process.terminate(hoarder) then check.exit(hoarder) end
  end
  return true
end
