-- The issue's silent failure: a client's assert(process.send(...)) fails on
-- a full mailbox (100 messages, tenant.yaml) and it dies; main waits for its
-- "done" forever. The sink never reads, so this happens wherever the
-- processes run.
return function()
  local sink = assert(process.spawn("sink", "app:processes"))
  assert(process.spawn("client", "app:processes", process.pid(), sink))
  local msg = process.inbox():receive()
  return msg:topic()
end
