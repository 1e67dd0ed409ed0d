-- Counts the messages in order until "done", acknowledging every `every`
-- (the window mode's credit; 0: never); exits with the count.
return function(sender, every)
  local inbox, count = process.inbox(), 0
  while true do
    local msg = inbox:receive()
    if msg:topic() == "done" then return count end
    count = count + 1
    assert(msg:payload() >= count, "out of order")
    if every > 0 and count % every == 0 then process.send(sender, "ack", count) end
  end
end
