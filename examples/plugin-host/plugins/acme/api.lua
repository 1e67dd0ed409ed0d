-- api: a long-running service. Requests arrive as messages; the reply goes
-- back to msg:from(). It keeps counters in the host's kv service, and stops
-- when it is asked to (a CANCEL event: undeploy, shutdown).
return function()
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select { inbox:case_receive(), events:case_receive() }
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return "stopped" end
    else
      local msg = r.value
      local topic = msg:topic()
      if topic == "greet" then
        local name = msg:payload()
        local n = assert(process.call("kv", "app:processes", "incr", "greet:" .. name))
        process.send("audit", "greeted", name, n)
        process.send(msg:from(), "reply", { greeting = "hello, " .. name, count = n })
      else
        process.send(msg:from(), "error", "unknown topic " .. topic)
      end
    end
  end
end
