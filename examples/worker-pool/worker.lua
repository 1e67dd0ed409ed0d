-- Squares numbers for whoever asks, until told to stop.
return function(index)
  assert(ctx.get("pool") == "squares")
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    if msg:topic() == "stop" then return index end
    local job = msg:payload()
    process.send(msg:from(), "result", job, job * job)
  end
end
