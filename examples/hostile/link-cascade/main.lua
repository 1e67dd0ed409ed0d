-- Attack: link cascades. Three storms, one after the other:
--   chain   2,000 processes, each linked to the next; the last one fails,
--           and every link passes the failure on
--   star    a hub linked to 900 children (the links quota is 1,000) fails
--   restart a supervisor that traps links restarts a child that fails at
--           once, 2,000 times: a crash loop
-- main (not linked to any) monitors them and returns how long each took.
--
-- What should stop it: nothing needs to: a cascade is the runtime doing its
-- job. What must hold: every process of a chain or star is ended ("linked
-- process failed"), the links and monitors quota bounds the fan-out of one
-- process, the process quota bounds a chain's length, and the neighbour is
-- not slowed by the exit storm. The tenant ends with no process left.
local function chain(n)
  if n > 1 then
    assert(process.spawn_linked("main", "app:processes", "chain", n - 1))
    process.inbox():receive() -- wait to be taken down
  end
  error("end of the chain")
end

local function star(n)
  for _ = 1, n do
    assert(process.spawn_linked("main", "app:processes", "idle"))
  end
  error("hub down")
end

local function restart(n)
  process.set_options({ trap_links = true })
  local events = process.events()
  for _ = 1, n do
    assert(process.spawn_linked("main", "app:processes", "crash"))
    local ev = events:receive()
    assert(ev.kind == process.event.LINK_DOWN, ev.kind)
  end
  return n
end

local function storm(kind, n)
  local t0 = os.clock()
  local pid = assert(process.spawn_monitored("main", "app:processes", kind, n))
  local events = process.events()
  while true do
    local ev = events:receive()
    if ev.from == pid then
      return { secs = os.clock() - t0, result = ev.result.error or ev.result.value }
    end
  end
end

local function main(mode, n)
  n = tonumber(n)
  if mode == "chain" then return chain(n) end
  if mode == "star" then return star(n) end
  if mode == "restart" then return restart(n) end
  if mode == "idle" then process.inbox():receive() return end
  if mode == "crash" then error("crash") end
  return {
    chain = storm("chain", 2000),
    star = storm("star", 900),
    restart = storm("restart", 2000),
  }
end

return { main = main }
