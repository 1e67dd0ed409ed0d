-- receiver(n, ack_every): count n messages, ack every ack_every to the
-- sender, then report the count to the coordinator ("coord").
return function(n, ack_every)
  n, ack_every = tonumber(n), tonumber(ack_every)
  local inbox = process.inbox()
  local send = process.send
  for count = 1, n do
    local m = inbox:receive()
    if count % ack_every == 0 then send(m:from(), "ack", count) end
  end
  assert(send("coord", "done", n))
  return n
end
