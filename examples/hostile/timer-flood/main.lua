-- Attack: host timers. time.after and time.sleep ask the host for a timer
-- (a Go time.AfterFunc in the host process); process.cancel with a deadline
-- does too. Workers, one after the other, create timers an hour away as
-- fast as they can until they are stopped; main returns how many each made.
--
-- What should stop it: cpu_total ends each worker (TIMEOUT) after ~100,000
-- timers; each timer also costs its process a channel in the guest heap,
-- under the memory limits. What is not bounded: the host's side of the
-- timers. A timer is not cancelled when its process ends; it stays in the
-- host's heap until it fires (in an hour), so every new worker adds to it,
-- and no tenant limit bounds the total.
local function worker()
  local n = 0
  while true do
    time.after("1h")
    n = n + 1
  end
end

local function main(mode, workers)
  if mode == "worker" then return worker() end
  local results = {}
  local events = process.events()
  for i = 1, tonumber(workers) or 3 do
    local pid = assert(process.spawn_monitored("main", "app:processes", "worker"))
    local ev
    repeat ev = events:receive() until ev.from == pid
    results[i] = ev.result.error or "normal exit"
  end
  return { workers = results }
end

return { main = main }
