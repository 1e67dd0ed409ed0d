-- SPEC Lifecycle control: process.terminate(dest) → true; a forced, abnormal exit with error "terminated" that pcall cannot catch and a busy loop cannot escape; dead/unknown → NOT_FOUND.
local check = require("lib.check")

return function()
  for _, how in ipairs({ "block", "busy", "busy_pcall", "receive_pcall" }) do
    local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, how))
    if how == "receive_pcall" then check.must(process.send(pid, "wake")) end
    time.sleep(5)
    check.eq(process.terminate(pid), true, "terminate a " .. how .. " process")
    local ev = check.exit(pid)
    check.eq(ev.result.value, nil, how .. ": EXIT value")
    check.eq(ev.result.error, "terminated", how .. ": EXIT error")
    check.err("NOT_FOUND", "send to a terminated " .. how .. " process", process.send(pid, "t"))
  end

  -- By registered name.
  local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "block"))
  check.must(process.registry.register("terminate_me", pid))
  check.eq(process.terminate("terminate_me"), true, "terminate by name")
  check.eq(check.exit(pid).result.error, "terminated", "EXIT of a process terminated by name")

  -- A process.call child terminated from a coroutine.spawn sibling: the call
  -- returns nil, err with the child's error.
  coroutine.spawn(function()
    local child = check.msg("started")
    check.must(process.terminate(child))
  end)
  local v, err = process.call("lib:ignore_cancel", check.HOST, process.pid())
  check.eq(v, nil, "call of a terminated child")
  check.eq(check.kind_of(err) ~= nil, true, "call of a terminated child returns an error object")
  check.eq(err:message(), "terminated", "call error of a terminated child")
  -- Decision (docs/DECISIONS.md): terminate's exit kind is CANCELED.
  check.eq(err:kind(), "CANCELED", "kind of a terminated child's exit")

  -- Dead and unknown.
  local _, dead = check.exit_of("value", 1)
  check.err("NOT_FOUND", "terminate a dead process", process.terminate(dead))
  check.err("NOT_FOUND", "terminate an unknown PID", process.terminate("{app:processes|0xfffffff.t1.n0}"))
  check.err("NOT_FOUND", "terminate an unknown name", process.terminate("nobody-by-this-name"))
  return true
end
