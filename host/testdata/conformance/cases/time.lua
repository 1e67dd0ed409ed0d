-- SPEC Channels and time: time.now() is Unix milliseconds; time.sleep(d) and time.after(d) take a duration string or integer milliseconds; anything else is INVALID.
local check = require("lib.check")

return function()
  local now = time.now()
  assert(check.isint(now), "time.now() must be integer milliseconds, got " .. tostring(now))
  assert(math.abs(now - os.time() * 1000) < 5000, "time.now() is not Unix milliseconds: " .. now .. " vs os.time() " .. os.time())

  local t0 = time.now()
  time.sleep("20ms")
  local d = time.now() - t0
  assert(d >= 19, "time.sleep(\"20ms\") slept " .. d .. "ms")
  t0 = time.now()
  time.sleep(20)
  d = time.now() - t0
  assert(d >= 19, "time.sleep(20) slept " .. d .. "ms")
  assert(time.now() >= t0, "time.now() went backwards")

  t0 = time.now()
  local after = check.must(time.after("25ms"))
  local fired = check.recv(after, "time.after(\"25ms\")")
  assert(type(fired) == "number", "time.after delivers the time, got " .. check.show(fired))
  assert(time.now() - t0 >= 24, "time.after(\"25ms\") fired after " .. (time.now() - t0) .. "ms")
  local v, ok = channel.select({ after:case_receive(), default = true }).default, nil
  check.eq(v, true, "time.after fires once")
  check.recv(check.must(time.after(0)), "time.after(0)")
  check.recv(check.must(time.after("1ms")), "time.after(\"1ms\")")
  check.must(time.after("1m30s")) -- accepted, never waited for

  -- A sleep blocks only its coroutine.
  local ticks = 0
  coroutine.spawn(function() for _ = 1, 3 do ticks = ticks + 1; time.sleep(1) end end)
  time.sleep(100)
  check.eq(ticks, 3, "a sibling ran while main slept")

  for _, bad in ipairs({ "abc", "-5ms", "5", "", -5, {}, true }) do
    check.err("INVALID", "time.sleep(" .. check.show(bad) .. ")", time.sleep(bad))
    check.err("INVALID", "time.after(" .. check.show(bad) .. ")", time.after(bad))
  end
  check.err("INVALID", "time.sleep()", time.sleep())
  check.err("INVALID", "time.after()", time.after())
  check.eq(ok, nil)
  return true
end
