-- SPEC Sending / Spawning: spawn arguments, context values, with_message payloads and exit values are payloads like messages: whatever send accepts (here a 70,000-element array — more than 65,536 elements, well under 1 MiB) they accept; a payload over the size bound is INVALID, never a crash.
local check = require("lib.check")

return function()
  local me = process.pid()
  local big = {}
  for i = 1, 70000 do big[i] = i end
  local function intact(t, what)
    check.eq(type(t), "table", what)
    check.eq(#t, 70000, what .. ": length")
    check.eq(t[1], 1, what .. ": first")
    check.eq(t[70000], 70000, what .. ": last")
  end

  check.must(process.send(me, "big", big))
  intact(check.msg("big"), "a 70,000-element array sent to myself")

  local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "value", big))
  intact(check.exit(pid).result.value, "a 70,000-element array as spawn argument and exit value")
  intact(check.must(process.call("lib:exits", check.HOST, "value", big)), "a 70,000-element array through process.call")
  pid = check.must(check.must(process.with_context({ big = big })):spawn_monitored("lib:ctx_probe", check.HOST, me))
  local all = check.msg("ctx")
  intact(all.big, "a 70,000-element array as context value")
  check.exit(pid)
  local echo = check.must(check.must(process.with_context({}):with_message("big", big)):spawn("lib:echo", check.HOST))
  intact(check.msg("big"), "a 70,000-element array as with_message payload")
  process.send(echo, "stop")

  -- Over the bound (2 MiB): refused, or delivered intact; never a crash.
  local huge = string.rep("x", 2 * 1024 * 1024)
  local r, err = process.send(me, "huge", huge)
  if r == nil then
    check.eq(check.kind_of(err), "INVALID", "kind of a refused 2 MiB payload")
  else
    check.eq(#check.msg("huge"), #huge, "a delivered 2 MiB payload")
  end
  r, err = process.spawn("lib:exits", check.HOST, "value", huge)
  if r == nil then check.eq(check.kind_of(err), "INVALID", "kind of a refused 2 MiB spawn argument") end
  return true
end
