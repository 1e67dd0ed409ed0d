-- SPEC Channels and time: blocking (receive, select, sleep, call) works anywhere: inside pcall, an __index metamethod, a table.sort comparator, coroutine.wrap, a gsub callback, an iterator, __call, and suspends only the calling coroutine.
local check = require("lib.check")

return function()
  local me = process.pid()
  -- feed sends v to ch from a sibling after a short sleep, so the receive really blocks.
  local function feed(ch, v) coroutine.spawn(function() time.sleep(2); ch:send(v) end) end

  -- pcall
  local ch = channel.new()
  feed(ch, "in pcall")
  local ok, v = pcall(function() return ch:receive() end)
  check.eq(ok, true, "pcall around a blocking receive")
  check.eq(v, "in pcall", "value received inside pcall")

  -- inbox receive inside pcall
  coroutine.spawn(function() time.sleep(2); process.send(me, "late", 7) end)
  ok, v = pcall(function() return process.inbox():receive():payload() end)
  check.eq(v, 7, "inbox receive inside pcall")

  -- __index metamethod
  local lazy = setmetatable({}, { __index = function(_, k)
    local c = channel.new()
    feed(c, "value of " .. k)
    return c:receive()
  end })
  check.eq(lazy.x, "value of x", "blocking receive inside __index")

  -- process.call inside __index
  local remote = setmetatable({}, { __index = function(_, k) return process.call("lib:exits", check.HOST, "value", k) end })
  check.eq(remote.answer, "answer", "process.call inside __index")

  -- __call, __eq-free arithmetic metamethod
  local callable = setmetatable({}, { __call = function(_, x) time.sleep(1); return x * 2 end })
  check.eq(callable(21), 42, "sleep inside __call")
  local num = setmetatable({}, { __add = function(_, x) time.sleep(1); return x + 1 end })
  check.eq(num + 1, 2, "sleep inside __add")

  -- table.sort comparator
  local list = { 5, 3, 9, 1, 7, 2, 8 }
  table.sort(list, function(a, b)
    time.sleep(0)
    return a < b
  end)
  check.same(list, { 1, 2, 3, 5, 7, 8, 9 }, "table.sort with a blocking comparator")
  local gate = channel.new(100)
  for i = 1, 100 do gate:send(i) end
  local list2 = { "b", "a", "c" }
  table.sort(list2, function(a, b) gate:receive(); return a < b end)
  check.same(list2, { "a", "b", "c" }, "table.sort with a receiving comparator")

  -- coroutine.wrap: block inside, then yield, then block again
  local gen = coroutine.wrap(function()
    local c = channel.new()
    feed(c, "first")
    coroutine.yield(c:receive())
    time.sleep(1)
    coroutine.yield("second")
  end)
  check.eq(gen(), "first", "receive inside coroutine.wrap")
  check.eq(gen(), "second", "sleep inside coroutine.wrap then yield")

  -- coroutine.resume of a coroutine that blocks
  local co = coroutine.create(function()
    local c = channel.new()
    feed(c, "resumed")
    return c:receive()
  end)
  local rok, rv = coroutine.resume(co)
  check.eq(rok, true, "resume of a blocking coroutine")
  check.eq(rv, "resumed", "value from a coroutine that blocked")

  -- gsub callback and a for-in iterator
  check.eq((("abc"):gsub(".", function(c) time.sleep(0); return c:upper() end)), "ABC", "sleep inside a gsub callback")
  local function iter(n)
    local i = 0
    return function()
      i = i + 1
      if i > n then return nil end
      local c = channel.new()
      feed(c, i)
      return c:receive()
    end
  end
  local total = 0
  for x in iter(3) do total = total + x end
  check.eq(total, 6, "blocking inside a for-in iterator")

  -- select inside nested pcall inside coroutine.wrap inside __index
  local deep = setmetatable({}, { __index = function()
    return coroutine.wrap(function()
      local ok2, r = pcall(function()
        local c = channel.new()
        feed(c, "deep")
        return channel.select({ c:case_receive() }).value
      end)
      return ok2 and r
    end)()
  end })
  check.eq(deep.anything, "deep", "select in pcall in coroutine.wrap in __index")
  return true
end
