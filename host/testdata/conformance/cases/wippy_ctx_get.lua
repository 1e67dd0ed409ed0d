-- SPEC Builder (as in Wippy): ctx.get(key) of a key that is not set is nil, err with kind NOT_FOUND; of "" or a non-string, nil, err with kind INVALID; a key set to a value (false included) is that value.
local check = require("lib.check")

return function()
  -- A process without a context: every key is NOT_FOUND.
  local e = check.err("NOT_FOUND", "ctx.get of an unset key", ctx.get("tenant"))
  check.contains(e:message(), "tenant", "the error names the key")
  check.err("INVALID", "ctx.get(\"\")", ctx.get(""))
  check.err("INVALID", "ctx.get(5)", ctx.get(5))
  check.err("INVALID", "ctx.get(nil)", ctx.get(nil))
  check.err("INVALID", "ctx.get({})", ctx.get({}))
  check.same(ctx.all(), {}, "ctx.all() without a context")

  -- A child with a context: set keys are their values, false included.
  local me = process.pid()
  local sp = process.with_context({ tenant = "acme", flag = false, n = 3 })
  local src = "lib:ctx_get_probe"
  local pid = check.must(sp:spawn_monitored(src, check.HOST, me))
  local r = { check.msg("ctx_get") }
  check.eq(r[1], "acme", "a set string")
  check.eq(r[2], false, "a key set to false is false, not NOT_FOUND")
  check.eq(r[3], 3, "a set number")
  check.eq(r[4], "NOT_FOUND", "an unset key in a process with a context")
  check.eq(r[5], "INVALID", "the empty key")
  check.eq(check.exit(pid).result.value, true, "the probe exits normally")
  return true
end
