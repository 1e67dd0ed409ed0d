-- SPEC Standard library / Processes: each process has its own globals and its own copy of the libraries: changing string.upper, process.send or a global in one process does not affect another.
local check = require("lib.check")

return function()
  local send, spawn = process.send, process.spawn_monitored
  -- Vandalize everything this process can reach.
  string.upper = function() return "hacked" end
  string.custom = "custom"
  table.insert = nil
  math.pi = 3
  math.floor = nil
  process.send = nil
  process.event.EXIT = "vandalized"
  process.registry.lookup = nil
  channel.new = nil
  time.now = nil
  errors.new = nil
  ctx.get = nil
  coroutine.spawn = nil
  print = nil
  leaked_global = "leak"
  _G.also_leaked = true
  check.eq(string.upper("x"), "hacked", "my own copy changed")

  -- Probes in new processes (several, so some share this instance).
  local expect = {
    upper = "X", method_upper = "X", custom = nil, insert = "function", pi = 3.141592653589793,
    floor = "function", send = "function", exit_kind = "EXIT", lookup = "function",
    channel_new = "function", time_now = "function", errors_new = "function", ctx_get = "function",
    spawn = "function", print = "function", leaked_global = "nil", loadstring_global = "nil",
  }
  local pids = {}
  for i = 1, 6 do pids[i] = check.must(spawn("lib:stdlib_probe", check.HOST)) end
  local events = {}
  for _ = 1, 6 do
    local ev = check.recv(process.events(), "a probe's EXIT")
    events[ev.from] = ev
  end
  for i = 1, 6 do
    local ev = events[pids[i]]
    assert(ev and ev.result.value, "probe " .. i .. " failed: " .. check.show(ev and ev.result.error))
    local got = ev.result.value
    for k, v in pairs(expect) do
      check.eq(got[k], v, "probe " .. i .. ": " .. k)
    end
    check.eq(got.custom, nil, "probe " .. i .. ": string.custom")
    assert(got.string_mt ~= "table", "probe " .. i .. ": the string metatable is exposed")
  end
  check.eq(send(process.pid(), "t", 1), true, "my saved send still works")
  return true
end
