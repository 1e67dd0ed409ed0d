-- SPEC Exits: main returning v is a normal exit with value v (EXIT result {value = v}; process.call returns v).
local check = require("lib.check")

return function()
  local ev = check.exit_of("value", { answer = 42, list = { 1, 2, 3 }, name = "x" })
  check.eq(ev.kind, process.event.EXIT, "event kind")
  check.same(ev.result, { value = { answer = 42, list = { 1, 2, 3 }, name = "x" } }, "EXIT result")

  ev = check.exit_of("nothing")
  check.eq(type(ev.result), "table", "EXIT result of a main that returns nothing")
  check.eq(ev.result.error, nil, "a main that returns nothing exits normally")
  check.eq(ev.result.value, nil, "value of a main that returns nothing")

  ev = check.exit_of("value", nil)
  check.eq(ev.result.error, nil, "return nil (no error) is a normal exit")

  ev = check.exit_of("value", false)
  check.eq(ev.result.error, nil, "return false is a normal exit")
  check.eq(ev.result.value, false, "return false")

  ev = check.exit_of("value", 12345678901)
  check.eq(ev.result.value, 12345678901, "integer exit value")
  check.eq(tostring(ev.result.value), "12345678901", "integer exit value stays an integer")

  ev = check.exit_of("multi")
  check.eq(ev.result.value, 1, "only main's first result is the exit value")
  check.eq(ev.result.error, nil, "return 1, 2, 3 is a normal exit")

  local v, e = process.call("lib:exits", check.HOST, "value", "called")
  check.eq(v, "called", "process.call value")
  check.eq(e, nil, "process.call second result on a normal exit")
  v, e = process.call("lib:exits", check.HOST, "nothing")
  check.eq(v, nil, "process.call value of a main that returns nothing")
  check.eq(e, nil, "process.call error of a main that returns nothing")
  return true
end
