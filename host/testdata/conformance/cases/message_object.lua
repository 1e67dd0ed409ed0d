-- SPEC Inbox, events, topics: inbox messages are Message objects: msg:topic(), msg:from() (the sender's PID), msg:payload() (several values as several results).
local check = require("lib.check")

return function()
  local me = process.pid()
  local echo = check.must(process.spawn("lib:echo", check.HOST))
  check.must(process.send(echo, "multi", 1, "two", { three = 3 }, nil))
  local m = check.message("echo")
  check.eq(m:topic(), "multi", "msg:topic()")
  check.eq(m:from(), echo, "msg:from() is the sender's PID")
  local a, b, c, d = m:payload()
  check.eq(a, 1); check.eq(b, "two"); check.eq(c.three, 3); check.eq(d, nil)
  -- payload can be read again
  local a2 = m:payload()
  check.eq(a2, 1, "payload read a second time")

  check.must(process.send(me, "self", "x"))
  m = check.message("message to myself")
  check.eq(m:from(), me, "from of a message to myself")

  -- Messages are opaque objects; misuse is a Lua error in this process only.
  assert(type(getmetatable(m)) ~= "table", "a Message's metatable must be hidden")
  check.eq(pcall(m.topic), false, "msg.topic() without self")
  check.eq(pcall(m.topic, {}), false, "msg.topic({})")
  check.eq(pcall(function() m.extra = 1 end), false, "assigning a field of a Message")
  process.send(echo, "stop")
  return true
end
