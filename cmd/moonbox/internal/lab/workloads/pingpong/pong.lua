-- pong: answer every message with its payload; "stop" ends it.
return function()
  local inbox = process.inbox()
  local send = process.send
  while true do
    local m = inbox:receive()
    if m:topic() == "stop" then return true end
    send(m:from(), "pong", m:payload())
  end
end
