-- SPEC Channels and time: blocking at the top level of a process's code (not inside pcall, a metamethod or a coroutine: the runtime parks such a process without a goroutine) returns exactly what it returns anywhere else: receive's two values, select's table, sleep's true, call's value or nil, err; in tail calls, table constructors and argument lists; alternating with blocks inside pcall, with the function's locals kept.
local check = require("lib.check")

return function()
  local me = process.pid()
  local ch = channel.new()
  -- feed sends v to ch from a sibling after a short sleep, so the receive really blocks.
  local function feed(v) coroutine.spawn(function() time.sleep(1); ch:send(v) end) end

  feed("a")
  check.eq(select("#", ch:receive()), 2, "receive's results as an argument list")
  feed("b")
  check.same({ ch:receive() }, { "b", true }, "receive's results in a table constructor")
  feed("c")
  local v = ch:receive()
  check.eq(v, "c", "one result kept of two")
  feed("d")
  local x, ok, extra = ch:receive()
  check.eq(x, "d")
  check.eq(ok, true, "receive's second result")
  check.eq(extra, nil, "no third result")

  -- A receive in a tail call, and a blocking builtin called through a local.
  local function tail() return ch:receive() end
  feed("e")
  local tv, tok = tail()
  check.eq(tv, "e", "receive as a tail call")
  check.eq(tok, true, "receive as a tail call: ok")
  feed("f")
  check.eq(select("#", tail()), 2, "a tail-called receive's result count")
  local recv = ch.receive
  feed("g")
  check.eq(recv(ch), "g", "receive called through a local")

  -- A closed channel wakes its receiver with nil, false.
  local closing = channel.new()
  coroutine.spawn(function() time.sleep(1); closing:close() end)
  local cv, cok = closing:receive()
  check.eq(cv, nil, "receive on a channel closed while waiting")
  check.eq(cok, false, "receive on a channel closed while waiting: ok")

  -- A blocked send, then select, sleep, call.
  local unbuffered = channel.new()
  coroutine.spawn(function() time.sleep(1); unbuffered:receive() end)
  check.eq(unbuffered:send(1), true, "a send that blocked")
  feed("s")
  local r = channel.select({ channel.new():case_receive(), ch:case_receive() })
  check.eq(r.channel, ch, "select's channel")
  check.eq(r.value, "s", "select's value")
  check.eq(r.ok, true, "select's ok")
  check.eq(select("#", time.sleep(1)), 1, "sleep's result count")
  check.eq(time.sleep(1), true, "sleep's result")
  check.eq(process.call("lib:exits", check.HOST, "value", 5), 5, "call's value")
  local nv, nerr = process.call("lib:exits", check.HOST, "error", "boom")
  check.eq(nv, nil, "a failed call's value")
  check.contains(nerr:message(), "boom", "a failed call's error")

  -- Alternating: at the top level, inside pcall, inside a metamethod;
  -- locals of every level survive each wait.
  local lazy = setmetatable({}, { __index = function() return ch:receive() end })
  local sum, seen = 0, {}
  for i = 1, 30 do
    feed(i)
    local got
    if i % 3 == 0 then
      got = ch:receive()
    elseif i % 3 == 1 then
      local pok
      pok, got = pcall(ch.receive, ch)
      check.eq(pok, true, "pcall around receive")
    else
      got = lazy.anything
    end
    seen[#seen + 1] = got
    sum = sum + got
  end
  check.eq(sum, 465, "values received alternately at the top level and inside Go frames")
  check.eq(#seen, 30)

  -- The inbox, at the top level of a coroutine.spawn sibling and of main.
  local done = channel.new(1)
  coroutine.spawn(function()
    local m = process.listen("side", { message = true }):receive()
    done:send(m:payload())
  end)
  time.sleep(1)
  process.send(me, "side", 41)
  process.send(me, "main", 42)
  check.eq(done:receive(), 41, "a sibling's receive at its top level")
  check.eq(process.inbox():receive():payload(), 42, "main's inbox receive at its top level")
  return true
end
