-- SPEC Standard library inside the sandbox: a builtin given arguments out of its bounds raises a Lua error that says so (never Go's panic text, never a trap), as C Lua 5.1 does.
local check = require("lib.check")

local function fails(what, part, f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, what .. ": succeeded, want an error containing " .. part)
  check.contains(tostring(err), part, what)
  assert(not tostring(err):find("Intn", 1, true), what .. ": Go's text leaked: " .. tostring(err))
end

return function()
  -- math.random: an empty interval is an argument error.
  fails("math.random(0)", "interval is empty", math.random, 0)
  fails("math.random(5, 1)", "interval is empty", math.random, 5, 1)
  fails("math.random(1, 2, 3)", "wrong number of arguments", math.random, 1, 2, 3)
  for _ = 1, 100 do
    local r = math.random(3, 5)
    assert(r == 3 or r == 4 or r == 5 and r == math.floor(r), "math.random(3, 5) = " .. r)
    local x = math.random()
    assert(x >= 0 and x < 1, "math.random() = " .. x)
    local w = math.random(-2^62, 2^62)
    assert(w >= -2^62 and w <= 2^62, "math.random over a wide interval = " .. w)
  end
  check.eq(math.random(7, 7), 7, "math.random(7, 7)")
  -- os.date: a time past year 9999 (or before -9999) is an argument error.
  fails("os.date with 1e300", "time out of range", os.date, "%Y", 1e300)
  fails("os.date with -1e18", "time out of range", os.date, "*t", -1e18)
  fails("os.date with nan", "time out of range", os.date, "!%Y", 0/0)
  check.eq(os.date("!%Y", 253402300799), "9999", "os.date at the last second of 9999")
  check.eq(os.date("!*t", 0).year, 1970, "os.date(\"!*t\", 0).year")
  -- table.concat over a range past its values: an error, not a loop.
  fails("table.concat to 1/0", "invalid value (at index 4)", table.concat, {1, 2, 3}, "", 1, 1/0)
  -- string.byte and unpack over huge ranges: "too many results".
  fails("unpack({}, 1, 1e8)", "too many results", unpack, {}, 1, 1e8)
  fails("string.byte over 1e6 bytes", "too many results", string.byte, ("x"):rep(1e6), 1, -1)
  -- string.format with a huge result is refused before it is built.
  fails("string.format of 64 x 1 MiB", "exceeds the limit", string.format, ("%s"):rep(64), unpack((function()
    local t, s = {}, ("x"):rep(1048576)
    for i = 1, 64 do t[i] = s end
    return t
  end)()))
  -- gsub's result has the cap of `..`; a modest one is built as before.
  check.eq((("abcdefghi&"):rep(10000):gsub("&", "&amp;")), ("abcdefghi&amp;"):rep(10000), "gsub escaping 100 KB")
  check.eq(select(2, ("x"):rep(30000):gsub("x", "y")), 30000, "gsub's count over 30,000 matches")
  return true
end
