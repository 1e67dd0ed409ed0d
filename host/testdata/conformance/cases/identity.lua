-- SPEC Identity: process.pid() is this process's PID (unique, never reused), process.id() the running source ID.
local check = require("lib.check")

return function()
  local me = process.pid()
  assert(type(me) == "string" and me ~= "", "process.pid() must be a non-empty string, got " .. check.show(me))
  check.eq(process.pid(), me, "process.pid() called twice")
  check.eq(process.id(), "cases:identity", "process.id()")
  check.contains(me, check.HOST, "the PID must encode its host")

  -- A child sees the PID its spawner got back, and its own source ID; a
  -- coroutine.spawn sibling is the same process.
  local child = check.must(process.spawn_monitored("lib:reporter", check.HOST, me, "a", nil, "c"))
  local pid, id, sibling_pid, nargs = check.msg("identity")
  check.eq(pid, child, "child's process.pid()")
  check.eq(id, "lib:reporter", "child's process.id()")
  check.eq(sibling_pid, child, "process.pid() inside a coroutine.spawn sibling")
  check.eq(nargs, 3, "spawn arguments after owner (\"a\", nil, \"c\")")
  check.exit(child)

  -- A dotted namespace is a nested directory: lib.ns:leaf is lib/ns/leaf.lua.
  check.eq(process.call("lib.ns:leaf", check.HOST), "lib.ns:leaf", "process.id() of lib.ns:leaf")

  -- PIDs are unique and a dead PID stays dead (never reused).
  local seen = { [me] = true, [child] = true }
  for _ = 1, 50 do
    local p = check.must(process.spawn("lib:exits", check.HOST, "nothing"))
    assert(not seen[p], "PID handed out twice: " .. p)
    seen[p] = true
  end
  check.err("NOT_FOUND", "send to the exited child", process.send(child, "hello"))
  return true
end
