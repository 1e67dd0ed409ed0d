-- SPEC Sending: a full mailbox (bound set per tenant) makes send fail with UNAVAILABLE: back-pressure, not silent loss.
-- The default bound is not specified; this case assumes a tenant without an
-- explicit bound gets a finite default of at most 50,000 messages (the case must stay fast).
local check = require("lib.check")

return function()
  local sleeper = check.must(process.spawn_monitored("lib:exits", check.HOST, "sleep", 60000))
  local sent, err = 0, nil
  for i = 1, 50000 do
    local r, e = process.send(sleeper, "flood", i)
    if r == nil then err = e break end
    sent = i
  end
  assert(err ~= nil, "50,000 messages to a process that never reads: no send failed (is the mailbox unbounded?)")
  check.eq(check.kind_of(err), "UNAVAILABLE", "kind of a send to a full mailbox")
  assert(sent > 0, "the first send to an empty mailbox failed")
  -- Back-pressure hurts only the sender's send: the receiver is alive.
  check.must(process.terminate(sleeper))
  check.exit(sleeper)
  return true
end
