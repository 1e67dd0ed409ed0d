-- counter counts calls; "crash" makes it fail, and its supervisor starts it
-- again (from 0: a restarted process starts afresh). CANCEL ends it.
return function()
  local n = 0
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select{inbox:case_receive(), events:case_receive()}
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return n end
    else
      local msg = r.value
      if msg:topic() == "crash" then error("asked to crash") end
      n = n + 1
      process.send(msg:from(), "reply", {count = n, pid = process.pid()})
    end
  end
end
