-- A hand-written supervisor: it starts workers with spawn_linked and traps
-- links, so a crashing worker becomes a LINK_DOWN event instead of taking the
-- supervisor down with it, and restarts each failed worker up to a limit.
--   moonbox run examples/supervision [main] [WORKERS]
local MAX_ATTEMPTS = 3

return {
  main = function(workers)
    workers = math.floor(tonumber(workers) or 4)
    assert(process.set_options({ trap_links = true }))

    local running = {} -- pid -> { id = n, attempt = k }
    local function start(id, attempt)
      local pid = assert(process.spawn_linked("worker", "app:processes", process.pid(), id, attempt))
      running[pid] = { id = id, attempt = attempt }
    end
    for id = 1, workers do start(id, 1) end

    local inbox, events = process.inbox(), process.events()
    local done, restarts = 0, 0
    while done < workers do
      local r = channel.select { inbox:case_receive(), events:case_receive() }
      if r.channel == inbox then
        local id, attempt = r.value:payload()
        print(("worker %d done on attempt %d"):format(id, attempt))
        done = done + 1
      elseif r.value.kind == process.event.LINK_DOWN then
        -- A normal exit breaks a link silently; only failures arrive here.
        local w = running[r.value.from]
        running[r.value.from] = nil
        print(("worker %d failed: %s"):format(w.id, r.value.result.error))
        if w.attempt >= MAX_ATTEMPTS then
          error(("worker %d failed %d times, giving up"):format(w.id, w.attempt))
        end
        restarts = restarts + 1
        start(w.id, w.attempt + 1)
      end
    end
    print(("all %d workers done after %d restarts"):format(workers, restarts))
    return { workers = workers, restarts = restarts }
  end,
}
