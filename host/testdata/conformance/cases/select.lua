-- SPEC Channels: channel.select{case..., default = bool} → {channel, value, ok} or {default = true}; ch:case_receive(), ch:case_send(v); with time.after as a timeout.
local check = require("lib.check")

return function()
  local a, b = channel.new(1), channel.new(1)
  local r = channel.select({ a:case_receive(), b:case_receive(), default = true })
  check.eq(r.default, true, "select with default and nothing ready")
  check.eq(r.channel, nil, "default result has no channel")

  b:send("bee")
  r = channel.select({ a:case_receive(), b:case_receive(), default = true })
  assert(rawequal(r.channel, b), "select picked the ready channel")
  check.eq(r.value, "bee", "select value")
  check.eq(r.ok, true, "select ok")
  check.eq(r.default, nil, "no default when a case fired")

  -- Blocking select is woken by a sibling.
  coroutine.spawn(function() time.sleep(5); a:send("ay") end)
  r = channel.select({ a:case_receive(), b:case_receive() })
  assert(rawequal(r.channel, a), "blocking select woken by a send")
  check.eq(r.value, "ay")

  -- case_send: into a channel with room; a full channel takes the default.
  r = channel.select({ a:case_send("sent"), default = true })
  assert(rawequal(r.channel, a), "case_send into a channel with room")
  check.eq(r.ok, true, "case_send ok")
  check.eq(a:receive(), "sent", "the value case_send delivered")
  a:send("fill")
  r = channel.select({ a:case_send("no room"), default = true })
  check.eq(r.default, true, "case_send into a full channel takes the default")
  check.eq(a:receive(), "fill", "the full channel kept its value")
  -- case_send to a blocked receiver.
  local u = channel.new()
  local got = channel.new(1)
  coroutine.spawn(function() got:send(u:receive()) end)
  time.sleep(2)
  r = channel.select({ u:case_send("handed over") })
  assert(rawequal(r.channel, u), "case_send on an unbuffered channel with a waiting receiver")
  check.eq(got:receive(), "handed over")

  -- A closed channel is ready: ok = false.
  local c = channel.new()
  c:close()
  r = channel.select({ c:case_receive() })
  assert(rawequal(r.channel, c), "select on a closed channel")
  check.eq(r.ok, false, "select on a closed channel: ok")
  check.eq(r.value, nil, "select on a closed channel: value")

  -- Timeout with time.after: no message → the timer fires.
  local inbox = process.inbox()
  local timer = time.after("30ms")
  local t0 = time.now()
  r = channel.select({ inbox:case_receive(), timer:case_receive() })
  assert(rawequal(r.channel, timer), "select timed out on time.after")
  assert(time.now() - t0 >= 25, "the timeout fired early: " .. (time.now() - t0) .. "ms")
  -- A message beats the timer.
  check.must(process.send(process.pid(), "quick", 1))
  r = channel.select({ inbox:case_receive(), time.after("1s"):case_receive() })
  assert(rawequal(r.channel, inbox), "a message beats a 1s timeout")
  check.eq(r.value:topic(), "quick")

  -- select{default = true} alone; bad arguments.
  check.eq(channel.select({ default = true }).default, true, "select with only a default")
  check.err("INVALID", "select({})", channel.select({}))
  check.err("INVALID", "select()", channel.select())
  check.err("INVALID", "select(\"x\")", channel.select("x"))
  check.err("INVALID", "select({5})", channel.select({ 5 }))
  check.err("INVALID", "select({a})", channel.select({ a }))
  return true
end
