-- SPEC Processes: an abnormal exit ends only the process that failed: processes in the same instance (neighbours) keep running, keep their state and answer.
local check = require("lib.check")

return function()
  local echoes = {}
  for i = 1, 8 do echoes[i] = check.must(process.spawn_monitored("lib:echo", check.HOST)) end
  for i = 1, 8 do check.must(process.send(echoes[i], "before", i)) end
  for _ = 1, 8 do check.msg("before") end

  local crashers = 0
  for _, how in ipairs({ "runtime", "arith", "error", "error_table", "error_nil", "error_obj", "nil_err",
    "terminate_self", "coroutine_error" }) do
    for _ = 1, 4 do
      check.must(process.spawn_monitored("lib:exits", check.HOST, how, "INTERNAL", "x"))
      crashers = crashers + 1
    end
  end
  -- and some killed from outside while busy or blocked
  for _, how in ipairs({ "busy", "busy_pcall", "block", "receive_pcall" }) do
    for _ = 1, 2 do
      local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, how))
      check.must(process.terminate(pid))
      crashers = crashers + 1
    end
  end
  local is_echo = {}
  for i = 1, 8 do is_echo[echoes[i]] = true end
  for i = 1, crashers do
    local ev = check.recv(process.events(), "crasher EXIT " .. i)
    assert(not is_echo[ev.from], "a neighbour died: " .. check.show(ev.result.error))
    assert(ev.result.error, "a crasher exited normally")
  end

  -- Every echo is alive, in order, with its count intact.
  for i = 1, 8 do check.must(process.send(echoes[i], "after", i)) end
  local seen = 0
  for _ = 1, 8 do seen = seen + check.msg("after") end
  check.eq(seen, 36, "all neighbours answered")
  for i = 1, 8 do
    check.must(process.send(echoes[i], "stop"))
    local ev = check.exit(echoes[i])
    check.eq(ev.result.value, 2, "neighbour " .. i .. "'s message count")
  end
  return true
end
