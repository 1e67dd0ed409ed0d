-- Sleeps `delay` ms without reading, then reads its inbox until a "done"
-- message, checking the numbered "flood" messages come 1, 2, 3, ...; it
-- reports ("drained": count) to owner and returns the count.
return function(owner, delay)
  time.sleep(delay)
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
