-- control: a second well-behaved tenant for `moonbox stress`, not an attack.
-- It plays the same ping-pong as the good tenant (one pair, one message in
-- flight, no printing) until the runtime closes, so its row shows what an
-- honest, equally busy neighbour costs the good tenant: the baseline the
-- attack rows are to be read against.
local function pong()
  local inbox = process.inbox()
  while true do
    local m = inbox:receive()
    process.send(m:from(), "pong", m:payload())
  end
end

local function main(mode)
  if mode == "pong" then return pong() end
  local peer = assert(process.spawn("main", "app:processes", "pong"))
  local inbox = process.inbox()
  local i = 0
  while true do
    i = i + 1
    assert(process.send(peer, "ping", i))
    assert(inbox:receive():payload() == i)
  end
end

return { main = main }
