-- SPEC Sending: a full mailbox (bound set per tenant) makes send fail with UNAVAILABLE: back-pressure, not silent loss; once the receiver catches up, sends succeed again.
-- The default bound is not specified; this case assumes a tenant without an
-- explicit bound gets a finite default of at most 50,000 messages (the case must stay fast).
local check = require("lib.check")

return function()
  local me = process.pid()
  -- The receiver does not read until it is canceled: flood it until send refuses.
  local drain = check.must(process.spawn_monitored("lib:drain", check.HOST, me))
  local sent, err = 0, nil
  for i = 1, 50000 do
    local r, e = process.send(drain, "flood", i)
    if r == nil then err = e break end
    sent = i
  end
  assert(err ~= nil, "50,000 messages to a process that does not read: no send failed (is the mailbox unbounded?)")
  check.eq(check.kind_of(err), "UNAVAILABLE", "kind of a send to a full mailbox")
  assert(sent > 0, "the first send to an empty mailbox failed")
  -- Still full: refused again, and the refused messages are not delivered later.
  check.err("UNAVAILABLE", "send to a mailbox that is still full", process.send(drain, "flood", sent + 1))

  -- Once the receiver drains its mailbox, sends work again; nothing accepted was lost.
  check.must(process.cancel(drain))
  local done = false
  for _ = 1, 500 do
    if process.send(drain, "done") then done = true break end
    time.sleep(5)
  end
  assert(done, "the mailbox never accepted a message again after the receiver started reading")
  check.eq(check.msg("drained"), sent, "messages the receiver got (every accepted message, in order)")
  check.eq(check.exit(drain).result.value, sent, "the receiver's count")
  return true
end
