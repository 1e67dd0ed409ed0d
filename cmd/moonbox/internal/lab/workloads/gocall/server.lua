-- server: answers every message with its payload, to its sender (the bench
-- calls it from Go with Tenant.Call); stops on CANCEL.
return function()
  local inbox, events = process.inbox(), process.events()
  local send = process.send
  while true do
    local r = channel.select { inbox:case_receive(), events:case_receive() }
    if r.channel == events then return end
    local msg = r.value
    send(msg:from(), "reply", msg:payload())
  end
end
