-- SPEC Synchronous call: process.call(id, host, ...) → the child's exit value | nil, err (its error); process.exec is the same function.
local check = require("lib.check")

return function()
  assert(rawequal(process.exec, process.call) or type(process.exec) == "function", "process.exec must exist")
  local v = process.call("lib:exits", check.HOST, "value", { x = 1, list = { 1, 2 } })
  check.same(v, { x = 1, list = { 1, 2 } }, "call's value")
  check.eq(process.exec("lib:exits", check.HOST, "value", "via exec"), "via exec", "exec's value")

  local e = check.call_err("nil_err_obj", "NOT_FOUND", "missing")
  check.eq(e:kind(), "NOT_FOUND", "call's error kind")
  check.eq(e:message(), "missing", "call's error message")
  local r, e2 = process.exec("lib:exits", check.HOST, "error", "exec boom")
  check.eq(r, nil, "exec of a failing child")
  check.contains(e2:message(), "exec boom", "exec's error")

  -- Spawn failures are the call's failures.
  check.err("NOT_FOUND", "call of a missing source", process.call("lib:does_not_exist", check.HOST))
  check.err("INVALID", "call of a source with a syntax error", process.call("lib:syntax_error", check.HOST))
  check.err("NOT_FOUND", "call on an undeclared host", process.call("lib:exits", "app:undeclared", "value", 1))
  check.err("INVALID", "call()", process.call())
  check.err("INVALID", "exec()", process.exec())

  -- Inside pcall, nested (a called process calls another), and from a coroutine.spawn sibling.
  local ok, pv = pcall(process.call, "lib:exits", check.HOST, "value", "in pcall")
  check.eq(ok, true, "pcall(process.call)")
  check.eq(pv, "in pcall", "pcall(process.call) value")
  check.eq(process.call("lib:exits", check.HOST, "call", "value", "nested"), "nested", "nested call")
  local out = channel.new(2)
  for i = 1, 2 do
    coroutine.spawn(function() out:send(process.call("lib:exits", check.HOST, "value", i)) end)
  end
  local sum = check.recv(out, "call result 1") + check.recv(out, "call result 2")
  check.eq(sum, 3, "two concurrent calls from siblings each get their own result")

  -- Nested calls: ten levels return through every caller; an error object
  -- comes back up unchanged. Far too deep a nesting is refused with an
  -- error (the host's call-depth quota, RATE_LIMITED), never a hang.
  check.eq(process.call("lib:call_deep", check.HOST, 10), 10, "ten nested calls")
  local dv, derr = process.call("lib:call_deep", check.HOST, 200)
  check.eq(dv, nil, "200 nested calls must be refused somewhere")
  check.eq(check.kind_of(derr), "RATE_LIMITED", "kind of the refused nested call, passed up through every level")

  -- A caller that dies while it waits: the callee finishes undisturbed and
  -- nothing else breaks.
  -- (The callee blocks until told, so no timing decides the order.)
  local caller = check.must(process.spawn_monitored("lib:exits", check.HOST, "call", "block"))
  time.sleep(10)
  check.must(process.terminate(caller))
  check.eq(check.exit(caller).result.error, "terminated", "the terminated caller")
  check.eq(process.call("lib:exits", check.HOST, "value", "after"), "after", "calls after a caller died mid-call")

  -- The caller is not linked: a failing call child does not kill it.
  check.eq(select("#", process.call("lib:exits", check.HOST, "runtime")), 2, "call of a crashing child returns nil, err")
  return true
end
