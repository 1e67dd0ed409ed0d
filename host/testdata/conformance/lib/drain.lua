-- Does not read its inbox until it gets a CANCEL event (events do not count
-- against the mailbox bound), then reads it until a "done" message,
-- checking the numbered "flood" messages come 1, 2, 3, ...; it reports
-- ("drained": count) to owner and returns the count.
return function(owner)
  local events = process.events()
  repeat until events:receive().kind == process.event.CANCEL
  local inbox = process.inbox()
  local count = 0
  while true do
    local msg = inbox:receive()
    if msg:topic() == "done" then break end
    local i = msg:payload()
    if i ~= count + 1 then error(("flood message %s arrived after %d"):format(tostring(i), count)) end
    count = i
  end
  process.send(owner, "drained", count)
  return count
end
