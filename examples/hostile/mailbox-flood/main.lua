-- Attack: mailbox floods. main floods a sink that does not read (it sleeps)
-- until its mailbox is full, then floods its own mailbox the same way, then
-- keeps trying both. It counts every send the runtime accepted; the sink,
-- once awake, drains and counts what arrived and checks the order. main
-- returns both counts: lost = accepted - received must be 0.
--
-- What should stop it: the mailbox bound (mailbox in tenant.yaml). A send to
-- a full mailbox fails with UNAVAILABLE (back-pressure, never a silent drop);
-- host memory stays bounded by mailbox x message size per process; the
-- neighbour tenant's own mailboxes are out of reach. The retry loop is
-- preempted by cpu_turn.
local function sink()
  local inbox = process.inbox()
  time.sleep("1s") -- let the mailbox fill up
  local received, out_of_order, last = 0, 0, 0
  while true do
    local m = inbox:receive()
    if m:topic() == "done" then
      return { received = received, out_of_order = out_of_order }
    end
    local i = m:payload()
    if i ~= last + 1 then out_of_order = out_of_order + 1 end
    last, received = i, received + 1
  end
end

local function main(mode)
  if mode == "sink" then return sink() end
  local send = process.send
  local sinkpid = assert(process.spawn_monitored("main", "app:processes", "sink"))
  local pad = ("p"):rep(100)
  local accepted, refused, kinds = 0, 0, {}
  -- flood the sink until its mailbox has refused 1000 sends in a row
  local row = 0
  while row < 1000 do
    local ok, err = send(sinkpid, "flood", accepted + 1, pad)
    if ok then
      accepted, row = accepted + 1, 0
    else
      refused, row = refused + 1, row + 1
      kinds[err:kind()] = (kinds[err:kind()] or 0) + 1
    end
  end
  -- flood our own mailbox: nothing reads it
  local own_accepted, own_refused = 0, 0
  local me = process.pid()
  for _ = 1, 20000 do
    if send(me, "self", pad) then own_accepted = own_accepted + 1 else own_refused = own_refused + 1 end
  end
  -- tell the sink the count; retry while its mailbox is full
  while not send(sinkpid, "done") do
    refused = refused + 1
    time.sleep("10ms")
  end
  local events = process.events()
  local result
  repeat
    local ev = events:receive()
    if ev.from == sinkpid then result = ev.result end
  until result
  local got = result.value or {}
  return {
    sent_ok = accepted, refused = refused, refused_kinds = kinds,
    received = got.received, out_of_order = got.out_of_order,
    lost = accepted - (got.received or 0),
    own_mailbox = { accepted = own_accepted, refused = own_refused },
    sink_error = result.error,
  }
end

return { main = main }
