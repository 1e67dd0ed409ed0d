-- SPEC Channels and time: coroutine.spawn(fn) runs a concurrent coroutine inside the same process; blocking suspends only the calling coroutine; the standard coroutine library still works.
local check = require("lib.check")

return function()
  -- Arguments and interleaving through channels.
  local ping, pong = channel.new(), channel.new()
  coroutine.spawn(function(n, label)
    for i = 1, n do
      local v = ping:receive()
      pong:send(label .. v .. ":" .. i)
    end
  end, 3, "pong-")
  for i = 1, 3 do
    ping:send("p")
    check.eq(pong:receive(), "pong-p:" .. i, "ping-pong with a sibling")
  end

  -- A blocked sibling does not block main.
  local never = channel.new()
  coroutine.spawn(function() never:receive() end)
  check.eq(1 + 1, 2)

  -- Many siblings.
  local out = channel.new(100)
  for i = 1, 100 do coroutine.spawn(function() time.sleep(1); out:send(i) end) end
  local sum = 0
  for _ = 1, 100 do sum = sum + check.recv(out, "a sibling's value") end
  check.eq(sum, 5050, "100 siblings")

  -- Siblings use the process API; they share the inbox.
  coroutine.spawn(function() check.must(process.send(process.pid(), "from-sibling", process.pid())) end)
  check.eq(check.msg("from-sibling"), process.pid(), "a sibling sends as this process")

  -- Decision: an error in a sibling crashes the whole process (like an
  -- Erlang process crash); main returning ends the process and its siblings.
  local ev = check.exit_of("coroutine_error")
  check.contains(ev.result.error, "sibling boom", "an error in a coroutine.spawn sibling ends the process")
  ev = check.exit_of("main_returns_with_sibling")
  check.eq(ev.result.value, "main done", "main returning with a blocked sibling")

  -- The standard coroutine library.
  local co = coroutine.create(function(a)
    local b = coroutine.yield(a + 1)
    return b * 2
  end)
  local ok, v = coroutine.resume(co, 1)
  check.eq(ok, true); check.eq(v, 2, "yield")
  ok, v = coroutine.resume(co, 5)
  check.eq(v, 10, "return from a coroutine")
  check.eq(coroutine.status(co), "dead", "status")
  local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
  check.eq(gen() + gen() + gen(), 6, "coroutine.wrap")
  ok = coroutine.resume(coroutine.create(function() error("inner") end))
  check.eq(ok, false, "an error inside a plain coroutine is returned by resume")

  check.err("INVALID", "coroutine.spawn()", coroutine.spawn())
  check.err("INVALID", "coroutine.spawn(5)", coroutine.spawn(5))
  check.err("INVALID", "coroutine.spawn(\"f\")", coroutine.spawn("f"))
  return true
end
