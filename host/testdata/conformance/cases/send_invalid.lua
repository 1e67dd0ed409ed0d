-- SPEC Sending: functions, coroutines, channels, cycles and other unsendable values are INVALID, never silently dropped; nothing is sent; topics must be non-empty strings not starting with @.
local check = require("lib.check")

return function()
  local me = process.pid()
  local echo = check.must(process.spawn("lib:echo", check.HOST))

  local cyclic = { name = "loop" }
  cyclic.self = cyclic
  local a, b = {}, {}
  a.b, b.a = b, a
  local bad = {
    { "a function", function() end },
    { "a Go function", print },
    { "a coroutine", coroutine.create(function() end) },
    { "a channel", channel.new() },
    { "the inbox channel", process.inbox() },
    { "a spawner", process.with_context({}) },
    { "a select case", channel.new():case_receive() },
    { "a table holding a function", { f = function() end } },
    { "a nested table holding a function", { list = { 1, 2, { function() end } } } },
    { "a table with a function key", { [function() end] = 1 } },
    { "a table with a table key", { [{}] = 1 } },
    { "a table that contains itself", cyclic },
    { "two tables that contain each other", a },
  }
  for _, c in ipairs(bad) do
    check.err("INVALID", "send of " .. c[1], process.send(echo, "bad", c[2]))
    check.err("INVALID", "send of " .. c[1] .. " among good values", process.send(echo, "bad", 1, c[2], "x"))
    check.err("INVALID", "spawn argument " .. c[1], process.spawn("lib:exits", check.HOST, "value", c[2]))
  end
  -- A Message object cannot be sent either.
  check.must(process.send(me, "self", 1))
  local msg = check.message("a message to myself")
  check.err("INVALID", "send of a Message object", process.send(echo, "bad", msg))

  -- Topics: a non-empty string, not starting with @.
  for _, c in ipairs({ { "nil", nil }, { "empty", "" }, { "@reserved", "@reserved" }, { "@", "@" },
    { "@EXIT", "@EXIT" }, { "number", 5 }, { "table", {} }, { "boolean", true } }) do
    check.err("INVALID", "send with topic " .. c[1], process.send(echo, c[2], "payload"))
  end
  check.err("INVALID", "send without topic", process.send(echo))
  -- "@" inside a topic is fine.
  check.must(process.send(echo, "a@b", 1))
  check.eq(check.msg("a@b"), 1, "topic with @ inside")

  -- A very deep table is refused or delivered intact, never a crash.
  local deep = {}
  local cur = deep
  for _ = 1, 1000 do cur.next = {}; cur = cur.next end
  local r, err = process.send(echo, "deep", deep)
  if r == nil then
    check.eq(check.kind_of(err), "INVALID", "kind of a refused 1000-level table")
  else
    local got = check.msg("deep")
    local depth = 0
    while got.next do got = got.next; depth = depth + 1 end
    check.eq(depth, 1000, "depth of a delivered 1000-level table")
  end

  -- Nothing of the refused sends was delivered: the next echo is the marker.
  check.must(process.send(echo, "marker", "m"))
  check.eq(check.msg("marker"), "m", "first message after the refused sends")
  check.none(process.inbox(), "message after the marker", 30)
  process.send(echo, "stop")
  return true
end
