-- Attack: a message amplification loop. Two linked actors answer every
-- message they get with two messages to the other, so the traffic doubles
-- with every exchange until both mailboxes are full; failed sends are
-- ignored and the exchange goes on.
--
-- What should stop it: the mailbox bound turns the growth into UNAVAILABLE
-- send errors (the traffic cannot grow past two full mailboxes), cpu_turn
-- preempts the two busy actors, cpu_total ends the first of them (TIMEOUT)
-- and the link takes the other down with it ("linked process failed").
-- main only watches: it returns how each actor ended.
local function bouncer()
  local inbox = process.inbox()
  local partner = inbox:receive():payload()
  process.link(partner) -- the partner may already be linked to us: harmless
  local send = process.send
  local handled, refused = 0, 0
  while true do
    inbox:receive()
    handled = handled + 1
    if not send(partner, "x", handled) then refused = refused + 1 end
    if not send(partner, "x", handled) then refused = refused + 1 end
  end
end

local function main(mode)
  if mode == "bouncer" then return bouncer() end
  local a = assert(process.spawn_monitored("main", "app:processes", "bouncer"))
  local b = assert(process.spawn_monitored("main", "app:processes", "bouncer"))
  assert(process.send(a, "partner", b))
  assert(process.send(b, "partner", a))
  assert(process.send(a, "x", 0))
  local events, ended, n = process.events(), {}, 0
  while n < 2 do
    local ev = events:receive()
    if ev.kind == process.event.EXIT then
      ended[ev.from == a and "a" or "b"] = ev.result.error or "normal exit"
      n = n + 1
    end
  end
  return ended
end

return { main = main }
