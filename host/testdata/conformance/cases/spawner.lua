-- SPEC Builder: process.with_context(values) → an immutable Spawner; :with_context adds values in a new Spawner; the child reads them with ctx.get(key) / ctx.all(); all four spawn variants carry them.
local check = require("lib.check")

return function()
  local me = process.pid()
  local function probe(s, variant)
    variant = variant or "spawn_monitored"
    local pid
    if s == process then
      pid = check.must(process[variant]("lib:ctx_probe", check.HOST, me))
    else
      pid = check.must(s[variant](s, "lib:ctx_probe", check.HOST, me))
    end
    local all, a, b = check.msg("ctx")
    if variant == "spawn_monitored" or variant == "spawn_linked_monitored" then check.exit(pid) end
    return all, a, b
  end

  local s0 = check.must(process.with_context({ a = 1, nested = { x = { 1, 2 } }, big = 2 ^ 40 }))
  local s1 = check.must(s0:with_context({ b = "two" }))
  local s2 = check.must(s1:with_context({ a = "override" }))

  local all, a, b = probe(s0)
  check.eq(a, 1, "ctx.get(\"a\") from s0")
  check.eq(b, nil, "ctx.get(\"b\") from s0")
  check.same(all, { a = 1, nested = { x = { 1, 2 } }, big = 2 ^ 40 }, "ctx.all() from s0")
  check.eq(tostring(all.big), tostring(2 ^ 40), "integer context values stay integers")

  all, a, b = probe(s1)
  check.eq(a, 1, "ctx.get(\"a\") from s1")
  check.eq(b, "two", "ctx.get(\"b\") from s1")

  all, a, b = probe(s2)
  check.eq(a, "override", "a later with_context overrides a key")
  check.eq(b, "two", "ctx.get(\"b\") from s2")

  -- s0 and s1 are unchanged by the spawners derived from them.
  all, a, b = probe(s0)
  check.eq(b, nil, "s0 after deriving s1: immutable")
  all, a, b = probe(s1)
  check.eq(a, 1, "s1 after deriving s2: immutable")

  -- Every spawn variant carries the context.
  for _, variant in ipairs({ "spawn", "spawn_monitored", "spawn_linked", "spawn_linked_monitored" }) do
    all, a = probe(s1, variant)
    check.eq(a, 1, "context through spawner:" .. variant)
  end
  time.sleep(10)

  -- A process spawned without a spawner has an empty context.
  all, a = probe(process)
  check.same(all, {}, "ctx.all() without context")
  check.eq(a, nil, "ctx.get without context")
  -- And so does the case itself.
  check.eq(ctx.get("a"), nil, "ctx.get in a process without context")

  -- Bad values.
  check.err("INVALID", "with_context()", process.with_context())
  check.err("INVALID", "with_context(5)", process.with_context(5))
  check.err("INVALID", "with_context(\"x\")", process.with_context("x"))
  check.err("INVALID", "with_context with a function value", process.with_context({ f = function() end }))
  check.err("INVALID", "with_context with a cyclic value", (function()
    local t = {}
    t.t = t
    return process.with_context({ t = t })
  end)())
  check.err("INVALID", "with_context with a non-string key", process.with_context({ "positional" }))
  check.err("INVALID", "spawner:with_context(5)", s0:with_context(5))
  check.err("INVALID", "ctx.get(5)", ctx.get(5))
  check.err("INVALID", "ctx.get()", ctx.get())

  -- A Spawner is opaque and cannot be changed in place.
  assert(type(getmetatable(s0)) ~= "table", "a Spawner's metatable must be hidden")
  check.eq(pcall(function() s0.with_name = nil end), false, "assigning into a Spawner")
  check.eq(pcall(s0.with_context, {}, {}), false, "spawner.with_context with a wrong self")
  return true
end
