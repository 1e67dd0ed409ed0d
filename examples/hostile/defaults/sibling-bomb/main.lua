-- Attack: a fork bomb beside a ping-pong pair of the same tenant, under
-- default limits. main spawns the bomb (every process spawns copies of
-- itself forever), then the pair; ping plays for 5 seconds by the clock and
-- exits with how many round trips it completed, which main returns.
--
-- What should hold: the bomb is the tenant's own problem, but it must not
-- take its siblings' share: the CPU is shared along the spawn tree (the
-- bomb's processes share the one slot main gave the bomb), and the pair's
-- messages do not wait behind the bomb's STARTs. The pair alone makes
-- ~90,000 round trips in 5 s; beside the bomb, one queue served in turn
-- left it 7. Its figure is main's return value.
local function bomb()
  local spawn = process.spawn
  while true do
    spawn("main", "app:processes", "bomb")
  end
end

local function pong()
  local inbox, send = process.inbox(), process.send
  while true do
    local m = inbox:receive()
    send(m:from(), "pong", m:payload())
  end
end

local function ping(partner)
  local inbox, send, now = process.inbox(), process.send, time.now
  local stop = now() + 5000
  local n = 0
  while now() < stop do
    send(partner, "ping", n)
    inbox:receive()
    n = n + 1
  end
  return n
end

return function(mode, partner)
  if mode == "bomb" then return bomb() end
  if mode == "pong" then return pong() end
  if mode == "ping" then return ping(partner) end
  assert(process.spawn("main", "app:processes", "bomb"))
  local partner_pid = assert(process.spawn("main", "app:processes", "pong"))
  local player = assert(process.spawn_monitored("main", "app:processes", "ping", partner_pid))
  local events = process.events()
  while true do
    local ev = events:receive()
    if ev.kind == process.event.EXIT and ev.from == player then
      return { round_trips_in_5s = ev.result and ev.result.value }
    end
  end
end
