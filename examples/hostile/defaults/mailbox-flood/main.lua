-- Attack: a mailbox flood of 256 KiB messages under default limits. main
-- floods a sink that never reads, then its own mailbox, and keeps trying
-- both, ignoring every failure.
--
-- What should stop it: the mailbox bound and the host's backlog bound
-- (back-pressure: a send past them fails with UNAVAILABLE); host memory stays
-- bounded; the neighbour tenant's mailboxes are out of reach.
return function(mode)
  if mode == "sink" then
    process.inbox()
    while true do time.sleep("1h") end
  end
  local send = process.send
  local sink = assert(process.spawn("main", "app:processes", "sink"))
  local me = process.pid()
  local big = ("m"):rep(256 * 1024)
  while true do
    for _ = 1, 64 do send(sink, "flood", big) end
    for _ = 1, 64 do send(me, "flood", big) end
    time.sleep(1) -- a millisecond: a flood, not a busy loop
  end
end
