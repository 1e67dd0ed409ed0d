-- SPEC Errors: wrong argument types and missing arguments of every API function are nil, err with err:kind() == "INVALID" — never a crash of anything beyond the calling process.
local check = require("lib.check")

return function()
  local me = process.pid()
  local H = check.HOST
  local target = check.must(process.spawn("lib:echo", H)) -- a live destination
  local fn = function() end
  local s = process.with_context({})
  local reg = process.registry

  -- Each row: name, function, arguments (n = count, nils included).
  local rows = {}
  local function row(name, f, ...) rows[#rows + 1] = { name = name, f = f, n = select("#", ...), ... } end

  for _, name in ipairs({ "send" }) do
    local f = process[name]
    row(name .. "()", f)
    row(name .. "(nil, t)", f, nil, "t")
    row(name .. "(5, t)", f, 5, "t")
    row(name .. "({}, t)", f, {}, "t")
    row(name .. "(true, t)", f, true, "t")
    row(name .. "(\"\", t)", f, "", "t")
    row(name .. "(pid)", f, target)
    row(name .. "(pid, nil)", f, target, nil)
    row(name .. "(pid, 5)", f, target, 5)
    row(name .. "(pid, {})", f, target, {})
    row(name .. "(pid, \"\")", f, target, "")
    row(name .. "(pid, \"@t\")", f, target, "@t")
    row(name .. "(pid, t, fn)", f, target, "t", fn)
  end
  for _, name in ipairs({ "spawn", "spawn_monitored", "spawn_linked", "spawn_linked_monitored", "call", "exec" }) do
    local f = process[name]
    row(name .. "()", f)
    row(name .. "(id)", f, "lib:echo")
    row(name .. "(nil, host)", f, nil, H)
    row(name .. "(5, host)", f, 5, H)
    row(name .. "(id, 5)", f, "lib:echo", 5)
    row(name .. "(id, {})", f, "lib:echo", {})
    row(name .. "(\"\", host)", f, "", H)
    row(name .. "(id, \"\")", f, "lib:echo", "")
    row(name .. "(id, host, fn)", f, "lib:exits", H, fn)
  end
  for _, name in ipairs({ "terminate", "cancel", "monitor", "unmonitor", "link", "unlink" }) do
    local f = process[name]
    row(name .. "()", f)
    row(name .. "(nil)", f, nil)
    row(name .. "(5)", f, 5)
    row(name .. "({})", f, {})
    row(name .. "(true)", f, true)
    row(name .. "(fn)", f, fn)
    row(name .. "(\"\")", f, "")
  end
  for _, d in ipairs({ "abc", "", "-1s", -1, 1.5, {}, true, fn }) do
    row("cancel(pid, " .. check.show(d) .. ")", process.cancel, target, d)
  end
  row("set_options()", process.set_options)
  row("set_options(5)", process.set_options, 5)
  row("set_options(\"x\")", process.set_options, "x")
  row("set_options({unknown})", process.set_options, { unknown = 1 })
  row("set_options({trap_links = \"yes\"})", process.set_options, { trap_links = "yes" })
  row("listen()", process.listen)
  row("listen(5)", process.listen, 5)
  row("listen(\"\")", process.listen, "")
  row("listen(\"@x\")", process.listen, "@x")
  row("listen({})", process.listen, {})
  row("listen(t, \"opts\")", process.listen, "t_opts", "opts")
  row("unlisten()", process.unlisten)
  row("unlisten(5)", process.unlisten, 5)
  row("unlisten(\"x\")", process.unlisten, "x")
  row("upgrade(5)", process.upgrade, 5)
  row("upgrade({})", process.upgrade, {})
  row("upgrade(true)", process.upgrade, true)
  row("with_context()", process.with_context)
  row("with_context(5)", process.with_context, 5)
  row("with_context({fn})", process.with_context, { f = fn })
  row("spawner:with_context(5)", s.with_context, s, 5)
  row("spawner:with_actor()", s.with_actor, s)
  row("spawner:with_actor(5)", s.with_actor, s, 5)
  row("spawner:with_scope()", s.with_scope, s)
  row("spawner:with_scope(5)", s.with_scope, s, 5)
  row("spawner:with_name()", s.with_name, s)
  row("spawner:with_name(5)", s.with_name, s, 5)
  row("spawner:with_message()", s.with_message, s)
  row("spawner:with_message(\"@t\")", s.with_message, s, "@t")
  row("spawner:with_message(t, fn)", s.with_message, s, "t", fn)
  for _, name in ipairs({ "spawn", "spawn_monitored", "spawn_linked", "spawn_linked_monitored" }) do
    row("spawner:" .. name .. "()", s[name], s)
    row("spawner:" .. name .. "(5, host)", s[name], s, 5, H)
    row("spawner:" .. name .. "(id)", s[name], s, "lib:echo")
    row("spawner:" .. name .. "(id, host, fn)", s[name], s, "lib:exits", H, fn)
  end
  row("registry.register()", reg.register)
  row("registry.register(5)", reg.register, 5)
  row("registry.register(\"\")", reg.register, "")
  row("registry.register(name, 5)", reg.register, "n", 5)
  row("registry.lookup()", reg.lookup)
  row("registry.lookup(5)", reg.lookup, 5)
  row("registry.unregister()", reg.unregister)
  row("registry.unregister({})", reg.unregister, {})
  row("channel.new(-1)", channel.new, -1)
  row("channel.new(\"x\")", channel.new, "x")
  row("channel.new(0.5)", channel.new, 0.5)
  row("channel.select()", channel.select)
  row("channel.select(5)", channel.select, 5)
  row("channel.select({})", channel.select, {})
  row("channel.select({5})", channel.select, { 5 })
  row("time.after()", time.after)
  row("time.after(\"x\")", time.after, "x")
  row("time.after({})", time.after, {})
  row("time.sleep()", time.sleep)
  row("time.sleep(-1)", time.sleep, -1)
  row("time.sleep(true)", time.sleep, true)
  row("coroutine.spawn()", coroutine.spawn)
  row("coroutine.spawn(5)", coroutine.spawn, 5)
  row("ctx.get()", ctx.get)
  row("ctx.get(5)", ctx.get, 5)

  -- Run every row; collect every failure so one run lists them all.
  local failures = {}
  for _, r in ipairs(rows) do
    local ok, err = pcall(function() check.err("INVALID", r.name, r.f(unpack(r, 1, r.n))) end)
    if not ok then failures[#failures + 1] = tostring(err) end
  end
  -- The caller survived all of them and still works.
  check.eq(process.pid(), me)
  check.must(process.send(target, "ping", 1))
  check.eq(check.msg("ping"), 1, "a live process after all the invalid calls")
  if #failures > 0 then
    error(#failures .. " of " .. #rows .. " invalid calls misbehaved:\n" .. table.concat(failures, "\n"))
  end

  -- Methods called without their object raise a Lua error in this process
  -- only (or return INVALID); they never crash anything else.
  local ch = channel.new(1)
  local m
  check.must(process.send(me, "m", 1))
  m = check.message("m")
  for name, f in pairs({
    ["ch.receive()"] = function() return ch.receive() end,
    ["ch.send()"] = function() return ch.send() end,
    ["ch.close(5)"] = function() return ch.close(5) end,
    ["ch.case_receive({})"] = function() return ch.case_receive({}) end,
    ["msg.payload()"] = function() return m.payload() end,
    ["msg.topic(5)"] = function() return m.topic(5) end,
    ["spawner.with_name(\"x\")"] = function() return s.with_name("x") end,
    ["err.kind()"] = function() return select(2, process.send()).kind() end,
    ["errors.is()"] = function() return errors.is() end,
  }) do
    local ok, v, e = pcall(f)
    assert(not ok or (v == nil and check.kind_of(e) == "INVALID") or v == false,
      name .. ": want a raised error or nil, INVALID; got " .. check.show(v) .. ", " .. check.show(e))
  end
  check.must(process.send(target, "stop"))
  return true
end
