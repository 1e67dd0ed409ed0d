-- coord(sender...): start every sender, wait for every receiver's "done".
return function(...)
  local senders = { ... }
  assert(process.registry.register("coord"))
  local inbox = process.inbox()
  local clock = os.clock
  local t0 = clock()
  for i = 1, #senders do assert(process.send(senders[i], "go")) end
  local total = 0
  for _ = 1, #senders do total = total + inbox:receive():payload() end
  return { secs = clock() - t0, messages = total }
end
