-- SPEC Channels and time: pcall/xpcall work across blocking calls: errors raised after a block are caught, error objects keep their kind, the process goes on.
local check = require("lib.check")

return function()
  local ch = channel.new()
  coroutine.spawn(function() time.sleep(2); ch:send("x") end)
  local ok, err = pcall(function()
    local v = ch:receive()
    error("after block: " .. v)
  end)
  check.eq(ok, false, "pcall catches an error raised after a block")
  check.contains(err, "after block: x", "the caught error")

  ok, err = pcall(function()
    time.sleep(2)
    error(errors.new("TIMEOUT", "slow"))
  end)
  check.eq(ok, false)
  check.eq(check.kind_of(err), "TIMEOUT", "an error object raised after a block keeps its kind")

  local handled
  ok, err = xpcall(function()
    time.sleep(2)
    local t = nil
    return t.field
  end, function(e)
    handled = tostring(e)
    return "handled: " .. tostring(e)
  end)
  check.eq(ok, false, "xpcall across a block")
  check.contains(err, "handled: ", "xpcall's handler result")
  check.contains(handled, "field", "xpcall's handler saw the runtime error")

  -- A handler that blocks itself.
  ok, err = xpcall(function() time.sleep(1); error("e") end, function(e)
    time.sleep(1)
    return "slept in handler"
  end)
  check.eq(err, "slept in handler", "a blocking xpcall handler")

  -- Many results and nesting.
  local function nest(n)
    if n == 0 then
      time.sleep(0)
      return 1, 2, 3
    end
    return select(2, pcall(nest, n - 1))
  end
  local a, b, c = nest(10)
  check.eq(a, 1); check.eq(b, 2); check.eq(c, 3, "results through 10 nested pcalls around a block")

  -- process.call's failure inside pcall is a return value, not a raise.
  local pok, v, e = pcall(process.call, "lib:exits", check.HOST, "error", "inner")
  check.eq(pok, true, "pcall(process.call) of a failing child")
  check.eq(v, nil)
  check.contains(e:message(), "inner", "call error inside pcall")

  -- The process still blocks and receives normally afterwards.
  check.must(process.send(process.pid(), "after", "ok"))
  check.eq(check.msg("after"), "ok", "messages after caught errors")
  return true
end
