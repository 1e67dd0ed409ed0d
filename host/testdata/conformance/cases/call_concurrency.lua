-- SPEC Synchronous call: the caller is blocked, its siblings (coroutine.spawn) and other processes are not.
local check = require("lib.check")

return function()
  local me = process.pid()
  local echo = check.must(process.spawn("lib:echo", check.HOST))
  local ticks, echoed = 0, 0
  local running = true
  coroutine.spawn(function()
    while running do
      time.sleep(5)
      ticks = ticks + 1
    end
  end)
  coroutine.spawn(function()
    -- talks to another process while main is inside process.call
    for i = 1, 5 do
      check.must(process.send(echo, "ping", i))
      local m = process.inbox():receive()
      if m:topic() == "ping" and m:payload() == i then echoed = echoed + 1 end
    end
  end)
  local t0 = time.now()
  local v = process.call("lib:exits", check.HOST, "sleep", 100)
  local elapsed = time.now() - t0
  running = false
  check.eq(v, "slept", "call value")
  assert(elapsed >= 95, "call returned before the child exited: " .. elapsed .. "ms")
  assert(ticks >= 5, "a sibling ticked only " .. ticks .. " times during a 100ms call: the call blocked the whole process")
  check.eq(echoed, 5, "messages a sibling exchanged with another process during the call")
  process.send(echo, "stop")
  check.eq(me, process.pid())
  return true
end
