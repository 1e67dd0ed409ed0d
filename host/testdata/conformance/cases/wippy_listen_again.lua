-- SPEC Inbox, events, topics (as in Wippy): process.listen(topic) again for the same topic returns the same channel, with its buffered messages; asking again with other options (message = true against raw) is INVALID, and the first listener is unchanged (DECISIONS.md).
local check = require("lib.check")

return function()
  local me = process.pid()
  local a = check.must(process.listen("jobs"))
  local b = check.must(process.listen("jobs"))
  assert(rawequal(a, b), "listen twice must return the same channel")
  check.must(process.listen("jobs", { message = false }))
  assert(rawequal(process.listen("jobs", {}), a), "listen with {} is the raw form: the same channel")

  -- Two helpers that each listen share one stream: every message arrives once.
  local got = channel.new(4)
  local function helper(name)
    local ch = process.listen("jobs")
    coroutine.spawn(function()
      while true do
        local v, ok = ch:receive()
        if not ok then return end
        got:send(name .. ":" .. v)
      end
    end)
  end
  helper("h1")
  helper("h2")
  for i = 1, 4 do check.must(process.send(me, "jobs", tostring(i))) end
  local seen = {}
  for i = 1, 4 do
    local v = check.recv(got, "job " .. i)
    seen[v:sub(4)] = (seen[v:sub(4)] or 0) + 1
  end
  check.same(seen, { ["1"] = 1, ["2"] = 1, ["3"] = 1, ["4"] = 1 }, "each job delivered once")
  check.none(got, "a job delivered twice", 20)

  -- The other form is refused, and the listener keeps its form.
  check.err("INVALID", "listen with message = true on a raw listener", process.listen("jobs", { message = true }))
  local m = check.must(process.listen("msgs", { message = true }))
  assert(rawequal(process.listen("msgs", { message = true }), m), "message = true twice: the same channel")
  check.err("INVALID", "listen raw on a Message listener", process.listen("msgs"))
  check.must(process.send(me, "msgs", "x"))
  check.eq(check.recv(m, "a Message"):topic(), "msgs", "the Message listener still delivers Message objects")

  -- After unlisten, listening again makes a new channel; the old one stays closed.
  check.must(process.unlisten(a))
  local c = check.must(process.listen("jobs"))
  assert(not rawequal(c, a), "listen after unlisten returns a new channel")
  check.must(process.send(me, "jobs", "5"))
  check.eq(check.recv(c, "job 5"), "5", "the new listener gets the topic")
  return true
end
