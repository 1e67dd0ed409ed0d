-- SPEC Sending: payloads are nil, booleans, numbers (integers stay integers), binary-safe strings, nested tables and error objects, deep-copied; several values come back as several results.
local check = require("lib.check")

return function()
  local echo = check.must(process.spawn("lib:echo", check.HOST))

  -- roundtrip sends the values to lib:echo and returns (count, values...) of the echo.
  local function roundtrip(...)
    check.must(process.send(echo, "v", ...))
    local m = check.message("echo of a payload")
    check.eq(m:topic(), "v", "echoed topic")
    return select("#", m:payload()), m:payload()
  end

  local n = roundtrip()
  check.eq(n, 0, "a message without payload has no payload values")

  local a, b, c, d
  n, a, b, c = roundtrip(1, nil, 3)
  check.eq(n, 3, "payload count with nil in the middle")
  check.eq(a, 1, "value 1")
  check.eq(b, nil, "value 2 (nil)")
  check.eq(c, 3, "value 3")

  n, a, b, c, d = roundtrip(true, false, "s", 2.5)
  check.eq(n, 4, "several payload values come back as several results")
  check.eq(a, true); check.eq(b, false); check.eq(c, "s"); check.eq(d, 2.5)

  -- Integers stay integers (Lua 5.1 has no math.type: check the value is
  -- integral and prints without a fraction or exponent).
  for _, i in ipairs({ 0, 1, -1, 42, -7, 255, 65536, 2 ^ 31, -(2 ^ 31), 2 ^ 32 + 1, 2 ^ 53, -(2 ^ 53), 1e15 }) do
    local _, got = roundtrip(i)
    assert(check.isint(got), "integer " .. tostring(i) .. " came back as " .. check.show(got))
    check.eq(got, i, "integer " .. tostring(i))
    check.eq(tostring(got), tostring(i), "tostring of integer " .. tostring(i))
  end
  -- Floats stay floats, bit for bit.
  for _, f in ipairs({ 1.5, -0.25, 0.1, 1 / 3, 1e300, -1e-300, 2 ^ 53 + 0.5 - 0.5 + 0.25, math.huge, -math.huge }) do
    local _, got = roundtrip(f)
    check.eq(got, f, "float " .. tostring(f))
  end
  local _, nan = roundtrip(0 / 0)
  assert(nan ~= nan, "NaN must come back as NaN, got " .. tostring(nan))

  -- Strings are binary-safe.
  local bin = "a\0b\255\254\0"
  for _, s in ipairs({ "", "hello", "\0", bin, "h\195\169llo", string.rep("\0\1\2\255", 4096) }) do
    local _, got = roundtrip(s)
    check.eq(type(got), "string", "string payload type")
    check.eq(#got, #s, "length of a binary string")
    check.eq(got, s, "binary string of length " .. #s)
  end

  -- Nested tables, mixed keys, sparse arrays.
  local nested = {
    list = { 1, 2, 3, { deep = { deeper = { "bottom" } } } },
    map = { a = 1, b = "two", c = { x = true } },
    mixed = { 10, 20, key = "v", [7] = "seven", [1.5] = "float key", [true] = "bool key", [-1] = "negative" },
    sparse = { 1, nil, 3 },
    empty = {},
  }
  local _, got = roundtrip(nested)
  check.same(got, nested, "nested table")
  assert(got ~= nested, "the receiver must get a copy")

  -- The same subtable twice (no cycle) is fine: each place gets a copy.
  local sub = { 1, 2 }
  _, got = roundtrip({ a = sub, b = sub })
  check.same(got, { a = { 1, 2 }, b = { 1, 2 } }, "a shared subtable")

  -- 32 levels of nesting.
  local deep = {}
  local cur = deep
  for i = 1, 32 do cur.next = { level = i }; cur = cur.next end
  _, got = roundtrip(deep)
  check.same(got, deep, "32 levels of nesting")

  -- Error objects keep kind and message, alone and inside tables.
  local e
  _, e = roundtrip(errors.new("NOT_FOUND", "lost"))
  check.eq(check.kind_of(e), "NOT_FOUND", "kind of a sent error object")
  check.eq(e:message(), "lost", "message of a sent error object")
  _, got = roundtrip({ err = errors.new("TIMEOUT", "late"), n = 1 })
  check.eq(check.kind_of(got.err), "TIMEOUT", "kind of an error object inside a table")
  check.eq(got.err:message(), "late", "message of an error object inside a table")
  _, e = roundtrip(select(2, process.send("nobody-at-all", "x")))
  check.eq(check.kind_of(e), "NOT_FOUND", "an API error object can be sent")

  -- Deep copy: changing the table after send does not change the message.
  local t = { n = 1, inner = { m = 1 } }
  check.must(process.send(echo, "v", t))
  t.n, t.inner.m = 2, 2
  local m = check.message("echo of the mutated table")
  got = m:payload()
  check.eq(got.n, 1, "payload is copied at send")
  check.eq(got.inner.m, 1, "nested payload is copied at send")
  -- Reading a payload twice gives equal, independent copies.
  local again = m:payload()
  check.same(again, got, "payload read twice")

  process.send(echo, "stop")
  return true
end
