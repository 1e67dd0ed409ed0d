-- ledger sums the sales the api reports. Only the api may reach it: the
-- ingress is refused by the policy. CANCEL ends it.
return function()
  local total = 0
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select{inbox:case_receive(), events:case_receive()}
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return total end
    else
      local msg = r.value
      if msg:topic() == "sale" then total = total + msg:payload() end
      if msg:topic() == "total" then process.send(msg:from(), "reply", total) end
    end
  end
end
