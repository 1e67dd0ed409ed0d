-- Every action of the seed's permission table, allowed for main and denied
-- for target, through real calls.
local function must(v, err)
  if not v then error("allowed call failed: " .. tostring(err), 2) end
  return v
end

local function denied(what, want, v, err)
  assert(v == nil, what .. ": expected PERMISSION_DENIED, the call succeeded")
  assert(err:kind() == "PERMISSION_DENIED", what .. ": " .. err:kind() .. ": " .. err:message())
  assert(err:message():find(want, 1, true), what .. ": message " .. err:message() .. " does not name " .. want)
end

return function()
  local H = "app:processes"
  -- allowed: every action on a target
  local t1 = must(process.spawn("target", H, "wait"))
  local t2 = must(process.spawn_monitored("target", H, "wait"))
  local t3 = must(process.spawn_linked("target", H, "wait"))
  assert(process.set_options({ trap_links = true }))
  must(process.send(t1, "hello"))
  must(process.monitor(t3))
  must(process.unmonitor(t3))
  must(process.unlink(t3))
  must(process.link(t3))
  must(process.cancel(t3))
  must(process.terminate(t3))
  must(process.registry.register("main.t2", t2))
  must(process.registry.unregister("main.t2"))
  must(process.with_context({ k = "v" }):with_name("main.ctx"):spawn("target", H, "wait"))
  must(process.with_context({}):with_actor("target"):spawn("target", H, "wait"))
  assert(process.call("target", H, "probe", process.pid()) == nil)

  -- denied for main: no rule
  denied("spawn of an unlisted source", "process.spawn on other", process.spawn("other", H))
  denied("register outside main.*", "process.registry.register on bad", process.registry.register("bad"))
  -- nothing happens on a denial: the name of a denied spawn stays free
  denied("spawn with a name, denied", "process.spawn on other", process.with_context({}):with_name("main.free"):spawn("other", H))
  assert(process.registry.lookup("main.free") == nil, "a denied spawn registered its name")

  -- denied for target: every action it tried
  local probe = must(process.spawn("target", H, "probe", process.pid()))
  local inbox = process.inbox()
  local report
  repeat
    local m = inbox:receive()
    if m:topic() == "report" then report = m:payload() end
  until report
  for action, got in pairs(report) do
    assert(got == "PERMISSION_DENIED", "target " .. action .. ": " .. got .. ", want PERMISSION_DENIED")
  end
  local n = 0
  for _ in pairs(report) do n = n + 1 end
  assert(n == 14, "report covers " .. n .. " actions")
  return true
end
