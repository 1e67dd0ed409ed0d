-- SPEC Builder: :with_name(name) registers the child atomically before it runs (ALREADY_EXISTS if taken); :with_message(topic, ...) messages arrive before anything the spawner sends later.
local check = require("lib.check")

return function()
  local me = process.pid()
  local named = check.must(process.with_context({}):with_name("svc_a"))
  local pid = check.must(named:spawn_monitored("lib:name_probe", check.HOST, me, "svc_a"))
  -- Registered by the time spawn returns, and at the child's first instruction.
  check.eq(process.registry.lookup("svc_a"), pid, "lookup right after spawn")
  local seen, own, kind = check.msg("name")
  check.eq(seen, pid, "the child's lookup of its own name at its first instruction (" .. tostring(kind) .. ")")
  check.eq(own, pid, "the child's PID")

  -- Taken: ALREADY_EXISTS, and nothing is started.
  check.err("ALREADY_EXISTS", "spawn with a taken name", named:spawn_monitored("lib:exits", check.HOST, "value", 1))
  check.err("ALREADY_EXISTS", "spawn_linked with a taken name", named:spawn_linked("lib:exits", check.HOST, "error", "x"))
  check.must(process.registry.register("held_by_me"))
  check.err("ALREADY_EXISTS", "spawn with a name I hold",
    process.with_context({}):with_name("held_by_me"):spawn("lib:exits", check.HOST, "value", 1))
  check.eq(process.registry.lookup("svc_a"), pid, "the name still belongs to the first child")
  check.none(process.events(), "event from a spawn that failed on its name", 20)

  -- Released when the child exits: the same spawner works again.
  check.must(process.send("svc_a", "stop"))
  check.eq(check.exit(pid).result.value, "stopped")
  check.err("NOT_FOUND", "lookup of a name whose process exited", process.registry.lookup("svc_a"))
  pid = check.must(named:spawn_monitored("lib:name_probe", check.HOST, me, "svc_a"))
  check.eq(check.msg("name"), pid, "the released name taken again")
  check.must(process.send(pid, "stop"))
  check.exit(pid)

  -- A spawn that fails for another reason does not take the name.
  local ghost = process.with_context({}):with_name("ghost_name")
  check.err("NOT_FOUND", "named spawn of a missing source", ghost:spawn("lib:does_not_exist", check.HOST))
  check.err("NOT_FOUND", "named spawn on an undeclared host", ghost:spawn("lib:echo", "app:undeclared"))
  check.err("INVALID", "named spawn of a broken source", ghost:spawn("lib:syntax_error", check.HOST))
  check.err("NOT_FOUND", "the name after failed spawns", process.registry.lookup("ghost_name"))
  check.must(process.registry.register("ghost_name"))
  check.must(process.registry.unregister("ghost_name"))

  -- A spawner without a name is unaffected by the named one derived from it.
  local base = check.must(process.with_context({}))
  local _ = base:with_name("not_used")
  check.must(base:spawn("lib:exits", check.HOST, "value", 1))
  check.must(base:spawn("lib:exits", check.HOST, "value", 2))
  check.err("NOT_FOUND", "a name set on a derived spawner only", process.registry.lookup("not_used"))

  -- with_message: first the spawner's messages, then mine, in order.
  local s = check.must(process.with_context({}):with_message("first", 1, nil, 3):with_message("second", { x = 2 }))
  for round = 1, 2 do -- a spawner with messages can be reused
    local echo = check.must(s:spawn("lib:echo", check.HOST))
    check.must(process.send(echo, "third", 3))
    local m = check.message("first")
    check.eq(m:topic(), "first", "round " .. round .. ": the first with_message message comes first")
    check.eq(m:from(), echo, "echo")
    local n = select("#", m:payload())
    local a, b, c = m:payload()
    check.eq(n, 3, "with_message payload count")
    check.eq(a, 1); check.eq(b, nil); check.eq(c, 3)
    local x = check.msg("second")
    check.eq(x.x, 2, "second with_message payload")
    check.eq(check.msg("third"), 3, "round " .. round .. ": the spawner's later send comes after the with_message messages")
    check.must(process.send(echo, "stop"))
  end
  -- with_message and with_name together; the messages come from the spawner.
  local echo = check.must(process.with_context({}):with_name("named_echo"):with_message("hello", "hi"):spawn("lib:echo", check.HOST))
  check.eq(process.registry.lookup("named_echo"), echo)
  check.eq(check.msg("hello"), "hi", "with_message through a named spawner (echoed back to the spawner)")
  check.must(process.send("named_echo", "stop"))

  -- Bad arguments.
  local b0 = process.with_context({})
  check.err("INVALID", "with_name()", b0:with_name())
  check.err("INVALID", "with_name(\"\")", b0:with_name(""))
  check.err("INVALID", "with_name(5)", b0:with_name(5))
  check.err("INVALID", "with_name({})", b0:with_name({}))
  check.err("INVALID", "with_message()", b0:with_message())
  check.err("INVALID", "with_message(\"\")", b0:with_message(""))
  check.err("INVALID", "with_message(\"@x\")", b0:with_message("@x", 1))
  check.err("INVALID", "with_message(5)", b0:with_message(5))
  check.err("INVALID", "with_message with a function payload", b0:with_message("t", function() end))
  return true
end
