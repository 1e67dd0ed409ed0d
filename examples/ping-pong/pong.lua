-- Answers every "ping" with a "pong" carrying the same payload, until "stop".
return function()
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    if msg:topic() == "stop" then
      return "stopped"
    end
    process.send(msg:from(), "pong", msg:payload())
  end
end
