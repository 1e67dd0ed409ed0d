-- SPEC Builder, the security module (as in Wippy): security.can(action, resource) → boolean, the tenant's own policy asked by the host for this process's actor and scope, with the tenant's own actions (invoice.read) beside process.*; deny wins; a scope narrows and never widens; children inherit what they are asked about as.
-- policy: policies/wippy_security_can.csv
local check = require("lib.check")

local checks = {
  { "invoice.read", "invoices/1" },   -- 1
  { "invoice.write", "invoices/1" },  -- 2
  { "invoice.write", "invoices/locked" }, -- 3
  { "invoice.void", "invoices/2" },   -- 4: no rule names it, clerk's invoice.* does
  { "invoice.read", "orders/1" },     -- 5
  { "report.export", "reports/q3" },  -- 6: nobody's
  { "process.send", "anything" },     -- 7: a runtime action
  { "process.sned", "anything" },     -- 8: a misspelt runtime action
}

local function report(depth)
  local r = check.msg("security")
  check.eq(r.depth, depth, "report depth")
  return r.can
end

return function()
  local me = process.pid()
  -- The case acts as its source ID.
  check.eq(security.can("invoice.read", "invoices/1"), true, "its own right")
  check.eq(security.can("invoice.write", "invoices/1"), false, "a right nobody gave it")
  check.eq(security.can("invoice.read", "orders/1"), false, "outside the resource pattern")
  check.eq(security.can("process.send", me), true, "a runtime action")
  check.eq(security.can("report.export", "reports/q3", { owner = "me" }), false, "meta does not change the answer")
  check.err("INVALID", "a misspelt runtime action", security.can("process.sned", me))

  -- As user:alice, a clerk: the role's rights, its deny winning.
  local alice = security.new_actor("user:alice", { dept = "billing" })
  local pid = check.must(process.with_context({}):with_actor(alice):spawn_monitored("lib:security_probe", check.HOST, me, 1, checks))
  local want = { true, true, false, true, false, false, true, "error INVALID" }
  check.same(report(0), want, "user:alice's grandchild (inherited actor)")
  check.same(report(1), want, "user:alice")
  check.exit(pid)

  -- A scope narrows alice to reader: what both allow, never more.
  pid = check.must(process.with_context({}):with_actor(alice):with_scope("reader")
    :spawn_monitored("lib:security_probe", check.HOST, me, 1, checks))
  want = { true, false, false, false, false, false, true, "error INVALID" }
  check.same(report(0), want, "alice scoped to reader, grandchild (inherited scope)")
  check.same(report(1), want, "alice scoped to reader")
  check.exit(pid)
  -- A scope cannot widen: the case scoped to clerk still cannot write.
  pid = check.must(process.with_context({}):with_scope("clerk"):spawn_monitored("lib:security_probe", check.HOST, me, 0, checks))
  check.same(report(0), { false, false, false, false, false, false, true, "error INVALID" },
    "lib:security_probe scoped to clerk: its own actor has no application rights")
  check.exit(pid)

  -- A child without with_actor asks as its own source ID: no application rights.
  pid = check.must(process.spawn_monitored("lib:security_probe", check.HOST, me, 0, checks))
  check.same(report(0), { false, false, false, false, false, false, true, "error INVALID" }, "lib:security_probe")
  check.exit(pid)
  return true
end
