-- SPEC Registry: register(name, pid?) → true | nil, ALREADY_EXISTS (idempotent for the same PID); lookup(name) → pid | nil, NOT_FOUND; unregister(name) → boolean; names are released when their process exits.
local check = require("lib.check")
local reg = process.registry

return function()
  local me = process.pid()
  check.eq(reg.register("reg_me"), true, "register myself")
  check.eq(reg.lookup("reg_me"), me, "lookup")
  check.eq(reg.register("reg_me"), true, "register the same name again (idempotent)")
  check.eq(reg.register("reg_me", me), true, "register the same name with my PID (idempotent)")
  check.eq(reg.register("reg_me_too"), true, "a second name for the same process")
  check.eq(reg.lookup("reg_me_too"), me)
  check.eq(reg.unregister("reg_me"), true, "unregister a registered name")
  check.eq(reg.unregister("reg_me"), false, "unregister it again")
  check.err("NOT_FOUND", "lookup after unregister", reg.lookup("reg_me"))
  check.err("NOT_FOUND", "lookup of a name never registered", reg.lookup("never_registered"))
  check.eq(reg.lookup("reg_me_too"), me, "the other name is still there")

  -- Another live process holds the name.
  local child = check.must(process.spawn_monitored("lib:exits", check.HOST, "block"))
  check.eq(reg.register("taken", child), true, "register a name for another process")
  check.eq(reg.lookup("taken"), child)
  check.eq(reg.register("taken", child), true, "register it again for the same process")
  check.err("ALREADY_EXISTS", "register a name another live process holds", reg.register("taken"))
  check.err("ALREADY_EXISTS", "register a name another live process holds, by PID", reg.register("taken", me))
  check.eq(reg.lookup("taken"), child, "a failed register changes nothing")

  -- Released at exit (normal or not): the name is free again.
  check.must(process.send(child, "release"))
  check.exit(child)
  check.err("NOT_FOUND", "lookup of a name whose process exited", reg.lookup("taken"))
  check.eq(reg.register("taken"), true, "register a released name")
  check.eq(reg.lookup("taken"), me)
  check.eq(reg.unregister("taken"), true)
  child = check.must(process.spawn_monitored("lib:exits", check.HOST, "fail_on_message"))
  check.must(reg.register("crashy", child))
  check.must(process.send("crashy", "go"))
  check.exit(child)
  check.err("NOT_FOUND", "lookup of a name whose process crashed", reg.lookup("crashy"))

  -- A name unregistered and registered by someone else.
  local other = check.must(process.spawn_monitored("lib:exits", check.HOST, "block"))
  check.must(reg.register("moving"))
  check.eq(reg.unregister("moving"), true)
  check.eq(reg.register("moving", other), true, "a name unregistered by its holder can go to another process")
  check.eq(reg.lookup("moving"), other)
  check.must(process.terminate(other))
  check.exit(other)

  -- Dead, unknown and bad PIDs.
  check.err("NOT_FOUND", "register a name for a dead process", reg.register("for_dead", other))
  check.err("NOT_FOUND", "register a name for an unknown PID", reg.register("for_unknown", "{app:processes|0xfffffff.t1.n0}"))
  check.err("NOT_FOUND", "the failed register left no name", reg.lookup("for_dead"))

  -- Bad names.
  check.err("INVALID", "register()", reg.register())
  check.err("INVALID", "register(5)", reg.register(5))
  check.err("INVALID", "register(\"\")", reg.register(""))
  check.err("INVALID", "register({})", reg.register({}))
  check.err("INVALID", "register(name, 5)", reg.register("n", 5))
  check.err("INVALID", "register(name, {})", reg.register("n", {}))
  -- Decision: a name cannot look like a PID, or destinations would be ambiguous.
  check.err("INVALID", "register a name that looks like a PID", reg.register("{app:processes|0x1.t1.n0}"))
  -- Decision: no control bytes in a name (they would forge log lines).
  check.err("INVALID", "register a name with a NUL byte", reg.register("a\0b"))
  check.err("INVALID", "register a newline", reg.register("\n"))
  check.err("INVALID", "register a name with DEL", reg.register("a\127"))
  check.ok("register a name with UTF-8 letters", reg.register("café"))
  reg.unregister("café")
  check.err("INVALID", "lookup()", reg.lookup())
  check.err("INVALID", "lookup(5)", reg.lookup(5))
  check.err("INVALID", "unregister()", reg.unregister())
  check.err("INVALID", "unregister(5)", reg.unregister(5))
  return true
end
