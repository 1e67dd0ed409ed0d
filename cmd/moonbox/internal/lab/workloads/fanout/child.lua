-- child: reply to every message; "stop" ends it.
return function()
  local inbox = process.inbox()
  local send = process.send
  while true do
    local m = inbox:receive()
    if m:topic() == "stop" then return true end
    send(m:from(), "r", m:payload())
  end
end
