-- SPEC Lifecycle control: get_options() → {trap_links = bool} (default false); set_options(t) → true | nil, INVALID for unknown keys or wrong types (and nothing changes).
local check = require("lib.check")

return function()
  local o = process.get_options()
  check.eq(type(o), "table", "get_options()")
  check.eq(o.trap_links, false, "default trap_links")

  check.eq(process.set_options({ trap_links = true }), true, "set trap_links = true")
  check.eq(process.get_options().trap_links, true, "trap_links after setting it")
  check.eq(process.set_options({}), true, "set_options({}) changes nothing")
  check.eq(process.get_options().trap_links, true, "trap_links after set_options({})")

  -- The table get_options returns is a copy.
  o = process.get_options()
  o.trap_links = false
  check.eq(process.get_options().trap_links, true, "changing get_options()'s table has no effect")

  check.err("INVALID", "set_options()", process.set_options())
  check.err("INVALID", "set_options(\"x\")", process.set_options("x"))
  check.err("INVALID", "set_options(5)", process.set_options(5))
  check.err("INVALID", "set_options with an unknown key", process.set_options({ unknown = true }))
  check.err("INVALID", "set_options with a positional value", process.set_options({ true }))
  check.err("INVALID", "set_options with trap_links = \"no\"", process.set_options({ trap_links = "no" }))
  check.err("INVALID", "set_options with trap_links = 0", process.set_options({ trap_links = 0 }))
  check.err("INVALID", "set_options with a good and an unknown key", process.set_options({ trap_links = false, bogus = 1 }))
  check.eq(process.get_options().trap_links, true, "a refused set_options changes nothing")

  check.eq(process.set_options({ trap_links = false }), true, "set trap_links = false")
  check.eq(process.get_options().trap_links, false, "trap_links after clearing it")

  -- The option takes effect: a trapped linked failure is an event.
  check.must(process.set_options({ trap_links = true }))
  local pid = check.must(process.spawn_linked("lib:exits", check.HOST, "error", "x"))
  check.event(process.event.LINK_DOWN, pid)
  check.must(process.set_options({ trap_links = false }))
  return true
end
