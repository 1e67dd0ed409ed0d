-- SPEC Builder, the security module (as in Wippy): a global, also require("security"); security.actor() is the actor policy checks use (the source ID unless a spawner set one), with :id() and :meta(); security.scope() is nil when none was set, else a scope whose :policies() lists its roles; new_actor/new_scope build values with_actor/with_scope take; an actor and a scope set by a spawner are inherited; the module is read-only and its values cannot be sent. (This tenant has no policy: security.can is true for every well-formed question; cases/wippy_security_can runs under one.)
local check = require("lib.check")

local function report(depth)
  local r = check.msg("security")
  check.eq(r.depth, depth, "report depth")
  return r
end

return function()
  local me = process.pid()
  assert(rawequal(require("security"), security), "require(\"security\") is the global")
  for _, name in ipairs({ "time", "ctx", "channel", "process", "errors" }) do
    assert(rawequal(require(name), _G[name]), "require(\"" .. name .. "\") is the global, as Wippy's scripts load it")
  end
  check.eq(type(security.can), "function", "security.can")

  -- Its own identity: the source ID, no meta, no scope.
  local a = check.must(security.actor())
  check.eq(a:id(), process.id(), "the default actor is the source ID")
  check.eq(a:id(), "cases:wippy_security", "the source ID")
  check.same(a:meta(), {}, "no meta")
  check.eq(security.scope(), nil, "no scope")
  check.contains(tostring(a), "cases:wippy_security", "tostring(actor)")

  -- Values: new_actor and new_scope.
  local alice = check.must(security.new_actor("user:alice", { team = "a", level = 3, tags = { "x", "y" } }))
  check.eq(alice:id(), "user:alice", "new_actor id")
  check.same(alice:meta(), { team = "a", level = 3, tags = { "x", "y" } }, "new_actor meta")
  alice:meta().team = "changed"
  check.eq(alice:meta().team, "a", "meta() is a copy: the actor cannot be changed through it")
  check.same(check.must(security.new_actor("svc")):meta(), {}, "new_actor without meta")
  local sc = check.must(security.new_scope({ "reader", "auditor", "reader" }))
  check.same(sc:policies(), { "reader", "auditor" }, "new_scope roles, each once")
  check.eq(sc:contains("auditor"), true, "scope:contains")
  check.eq(sc:contains("writer"), false, "scope:contains, absent")
  check.same(sc:with("writer"):policies(), { "reader", "auditor", "writer" }, "scope:with")
  check.same(sc:without("reader"):policies(), { "auditor" }, "scope:without")
  check.same(sc:policies(), { "reader", "auditor" }, "with/without leave the scope unchanged")
  check.same(check.must(security.new_scope()):policies(), {}, "new_scope() is empty")
  check.same(check.must(security.new_scope("reader")):policies(), { "reader" }, "new_scope(role)")

  -- A child spawned with them reads them back; its children inherit them.
  local sp = process.with_context({}):with_actor(alice):with_scope(sc)
  local pid = check.must(sp:spawn_monitored("lib:security_probe", check.HOST, me, 1))
  local grand, child = report(0), report(1)
  for _, r in ipairs({ child, grand }) do
    local who = r.depth == 1 and "child" or "grandchild"
    check.eq(r.id, "user:alice", who .. ": actor id")
    check.same(r.meta, { team = "a", level = 3, tags = { "x", "y" } }, who .. ": actor meta")
    check.same(r.scope, { "reader", "auditor" }, who .. ": scope roles")
  end
  check.eq(check.exit(pid).result.value, true, "the probe exits normally")

  -- The string and table forms of with_actor, a role name for with_scope.
  pid = check.must(process.with_context({}):with_actor("svc:plain"):spawn_monitored("lib:security_probe", check.HOST, me, 0))
  local r = report(0)
  check.eq(r.id, "svc:plain", "with_actor(string)")
  check.same(r.meta, {}, "with_actor(string): no meta")
  check.eq(r.scope, false, "no scope set: security.scope() is nil")
  check.exit(pid)
  pid = check.must(process.with_context({}):with_actor({ id = "svc:t", meta = { k = "v" } }):with_scope("reader")
    :spawn_monitored("lib:security_probe", check.HOST, me, 0))
  r = report(0)
  check.eq(r.id, "svc:t", "with_actor(table) id")
  check.same(r.meta, { k = "v" }, "with_actor(table) meta")
  check.same(r.scope, { "reader" }, "with_scope(role)")
  check.exit(pid)
  -- Without with_actor, a child acts as its own source ID.
  pid = check.must(process.spawn_monitored("lib:security_probe", check.HOST, me, 0))
  r = report(0)
  check.eq(r.id, "lib:security_probe", "a plain child's actor is its source ID")
  check.exit(pid)
  -- One's own actor is a value with_actor takes too.
  pid = check.must(process.with_context({}):with_actor(security.actor()):spawn_monitored("lib:security_probe", check.HOST, me, 0))
  check.eq(report(0).id, "cases:wippy_security", "with_actor(security.actor())")
  check.exit(pid)

  -- Bad arguments.
  check.err("INVALID", "new_actor()", security.new_actor())
  check.err("INVALID", "new_actor(\"\")", security.new_actor(""))
  check.err("INVALID", "new_actor(5)", security.new_actor(5))
  check.err("INVALID", "new_actor with meta 5", security.new_actor("x", 5))
  check.err("INVALID", "new_actor with a function in meta", security.new_actor("x", { f = print }))
  check.err("INVALID", "new_scope(5)", security.new_scope(5))
  check.err("INVALID", "new_scope({5})", security.new_scope({ 5 }))
  check.err("INVALID", "new_scope({\"\"})", security.new_scope({ "" }))
  check.err("INVALID", "new_scope({x = 1})", security.new_scope({ x = 1 }))
  check.err("INVALID", "with_scope(an empty scope)", process.with_context({}):with_scope(security.new_scope()))
  check.err("INVALID", "can()", security.can())
  check.err("INVALID", "can(action)", security.can("invoice.read"))
  check.err("INVALID", "can(\"\", resource)", security.can("", "x"))
  check.err("INVALID", "can(action, \"\")", security.can("invoice.read", ""))
  check.err("INVALID", "can of a misspelt runtime action", security.can("process.sned", me))
  check.err("INVALID", "can with meta 5", security.can("invoice.read", "x", 5))
  check.eq(security.can("invoice.read", "invoices/1", { owner = "me" }), true, "no policy: every question is yes")
  check.eq(security.can("process.send", me), true, "runtime actions too")
  check.err("INVALID", "sending an actor", process.send(me, "x", a))
  check.err("INVALID", "sending a scope", process.send(me, "x", sc))
  check.eq(pcall(function() security.can = function() return true end end), false, "the module is read-only")
  check.eq(pcall(rawset, security, "actor", print), false, "rawset on the module")
  assert(type(getmetatable(a)) ~= "table", "an actor's metatable is hidden")
  assert(type(getmetatable(sc)) ~= "table", "a scope's metatable is hidden")
  return true
end
