-- SPEC Channels: channel.new(size?) buffered or unbuffered; ch:send(v) blocks when full and fails on a closed channel; ch:receive() → v, true | nil, false once closed and drained; ch:close().
local check = require("lib.check")

return function()
  -- Unbuffered: a send waits for a receiver.
  local ch = check.must(channel.new())
  local log = {}
  coroutine.spawn(function()
    log[#log + 1] = "before send"
    ch:send("hello")
    log[#log + 1] = "after send"
  end)
  time.sleep(10)
  check.same(log, { "before send" }, "an unbuffered send blocks until someone receives")
  local v, ok = ch:receive()
  check.eq(v, "hello", "unbuffered receive")
  check.eq(ok, true, "unbuffered receive ok")
  time.sleep(5)
  check.same(log, { "before send", "after send" }, "the sender continues after the receive")
  local z = check.must(channel.new(0))
  coroutine.spawn(function() z:send(0) end)
  check.eq(z:receive(), 0, "channel.new(0) is unbuffered")

  -- Buffered: up to size sends do not block.
  local b = check.must(channel.new(2))
  b:send(1)
  b:send(2)
  local third_sent = false
  coroutine.spawn(function() b:send(3); third_sent = true end)
  time.sleep(10)
  check.eq(third_sent, false, "a send on a full buffered channel blocks")
  check.eq(b:receive(), 1, "buffered order 1")
  time.sleep(5)
  check.eq(third_sent, true, "the blocked sender continues when room is made")
  check.eq(b:receive(), 2, "buffered order 2")
  check.eq(b:receive(), 3, "buffered order 3")

  -- nil and tables travel as they are.
  b:send(nil)
  v, ok = b:receive()
  check.eq(v, nil, "a nil value")
  check.eq(ok, true, "a nil value is still a value")
  local t = {}
  b:send(t)
  assert(rawequal(b:receive(), t), "a channel inside one process passes the table itself")

  -- Close: buffered values drain first, then nil, false, forever.
  local c = channel.new(3)
  c:send("x")
  c:send("y")
  c:close()
  check.eq(c:receive(), "x", "drain after close 1")
  check.eq(c:receive(), "y", "drain after close 2")
  v, ok = c:receive()
  check.eq(v, nil, "receive on a closed, drained channel")
  check.eq(ok, false, "receive on a closed, drained channel: ok")
  v, ok = c:receive()
  check.eq(ok, false, "receive on a closed channel again")
  local sent, err = pcall(function() c:send("z") end)
  check.eq(sent, false, "send on a closed channel must raise")
  check.contains(tostring(err), "closed", "send on a closed channel error")
  check.eq(pcall(function() c:close() end), false, "closing a closed channel raises")

  -- Closing wakes blocked receivers and senders.
  local w = channel.new()
  local results = channel.new(2)
  coroutine.spawn(function() results:send({ w:receive() }) end)
  coroutine.spawn(function() results:send({ pcall(w.send, w, "never") }) end)
  time.sleep(5)
  -- the receiver may have taken the sender's value; close releases whoever still waits
  w:close()
  local r1 = check.recv(results, "first woken coroutine")
  local r2 = check.recv(results, "second woken coroutine")
  assert(r1 and r2, "closing must wake the blocked coroutines")

  -- Bad sizes.
  check.err("INVALID", "channel.new(-1)", channel.new(-1))
  check.err("INVALID", "channel.new(1.5)", channel.new(1.5))
  check.err("INVALID", "channel.new(\"x\")", channel.new("x"))
  check.err("INVALID", "channel.new({})", channel.new({}))
  -- Method misuse raises in this process only.
  check.eq(pcall(ch.receive, 5), false, "ch.receive(5)")
  check.eq(pcall(ch.send), false, "ch.send()")
  return true
end
