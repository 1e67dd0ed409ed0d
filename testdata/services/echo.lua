-- echo answers every message with its prefix and payload; "crash" crashes it.
return function(prefix)
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    if msg:topic() == "crash" then error("asked to crash") end
    process.send(msg:from(), "reply", {prefix = prefix, got = msg:payload(), pid = process.pid()})
  end
end
