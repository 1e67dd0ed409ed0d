-- SPEC Sending: messages from one sender to one receiver arrive in the order sent; nothing is lost while the receiver lives (several concurrent senders).
local check = require("lib.check")

return function()
  local me = process.pid()
  local senders, per = 6, 300
  for s = 1, senders do
    check.must(process.spawn("lib:blast", check.HOST, me, s, per))
  end
  local next_of = {}
  for s = 1, senders do next_of[s] = 1 end
  for _ = 1, senders * per do
    local tag, i = check.msg("blast")
    check.eq(i, next_of[tag], "next message from sender " .. tostring(tag))
    next_of[tag] = i + 1
  end
  for s = 1, senders do check.eq(next_of[s], per + 1, "messages received from sender " .. s) end
  check.none(process.inbox(), "extra message", 20)
  return true
end
