-- The api doubles numbers for whoever asks, until stopped.
return function()
  local inbox = process.inbox()
  while true do
    local m = inbox:receive()
    if m:topic() == "stop" then return "stopped" end
    process.send(m:from(), "result", m:payload() * 2)
  end
end
