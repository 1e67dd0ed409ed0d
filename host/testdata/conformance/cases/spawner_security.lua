-- SPEC Builder and Permissions: :with_actor(actor) takes a string ID or {id = ..., meta = {...}}, :with_scope(scope) a role name or a list of them; anything else is INVALID. (The test tenant has no policy, so rights themselves are not checked here.)
local check = require("lib.check")

return function()
  local s = process.with_context({})
  local a1 = check.must(s:with_actor("app:robot"))
  local a2 = check.must(s:with_actor({ id = "app:robot", meta = { team = "a", level = 3 } }))
  local s1 = check.must(s:with_scope("reader"))
  local s2 = check.must(s:with_scope({ "reader", "writer" }))
  local both = check.must(a2:with_scope({ "reader" }):with_context({ k = 1 }))
  for name, sp in pairs({ a1 = a1, a2 = a2, s1 = s1, s2 = s2, both = both }) do
    local pid = check.must(sp:spawn_monitored("lib:exits", check.HOST, "value", name))
    check.eq(check.exit(pid).result.value, name, "a child spawned with " .. name .. " runs")
  end

  check.err("INVALID", "with_actor()", s:with_actor())
  check.err("INVALID", "with_actor(5)", s:with_actor(5))
  check.err("INVALID", "with_actor(\"\")", s:with_actor(""))
  check.err("INVALID", "with_actor({})", s:with_actor({}))
  check.err("INVALID", "with_actor({id = 5})", s:with_actor({ id = 5 }))
  check.err("INVALID", "with_actor with a function in meta", s:with_actor({ id = "x", meta = { f = function() end } }))
  check.err("INVALID", "with_scope()", s:with_scope())
  check.err("INVALID", "with_scope(5)", s:with_scope(5))
  check.err("INVALID", "with_scope({})", s:with_scope({}))
  check.err("INVALID", "with_scope({5})", s:with_scope({ 5 }))
  check.err("INVALID", "with_scope({\"a\", 5})", s:with_scope({ "a", 5 }))
  return true
end
