-- A pool of named workers fed round-robin, results collected with a select
-- that times out, plus a one-off job run with process.call.
--   moonbox run examples/worker-pool [main] [JOBS] [WORKERS]
return function(jobs, workers)
  jobs = math.floor(tonumber(jobs) or 20)
  workers = math.floor(tonumber(workers) or 4)

  -- Start workers registered as worker.1 .. worker.N; the spawner registers
  -- each name before the worker runs, so sends by name cannot race it.
  local pool = process.with_context({ pool = "squares" })
  for i = 1, workers do
    assert(pool:with_name("worker." .. i):spawn_monitored("worker", "app:processes", i))
  end

  for job = 1, jobs do
    assert(process.send("worker." .. ((job - 1) % workers + 1), "job", job))
  end

  local inbox = process.inbox()
  local sum, got = 0, 0
  while got < jobs do
    local r = channel.select {
      inbox:case_receive(),
      time.after("2s"):case_receive(),
    }
    if r.channel ~= inbox then
      error(("timed out with %d of %d results"):format(got, jobs))
    end
    local job, square = r.value:payload()
    assert(square == job * job)
    sum, got = sum + square, got + 1
  end

  -- process.call spawns a process and waits for its exit value.
  local check = assert(process.call("square", "app:processes", jobs))
  print(("%d jobs on %d workers, sum of squares %d (last square %d)"):format(jobs, workers, sum, check))

  for i = 1, workers do process.send("worker." .. i, "stop") end
  local events = process.events()
  for _ = 1, workers do assert(events:receive().kind == process.event.EXIT) end
  assert(process.registry.lookup("worker.1") == nil, "names are released on exit")
  return { jobs = jobs, sum = sum }
end
