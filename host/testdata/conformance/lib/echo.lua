-- Echoes every inbox message back to its sender with the same topic and
-- payload; exits normally on topic "stop" with the number of messages echoed.
return function()
  local inbox = process.inbox()
  local n = 0
  while true do
    local msg = inbox:receive()
    if msg:topic() == "stop" then return n end
    process.send(msg:from(), msg:topic(), msg:payload())
    n = n + 1
  end
end
