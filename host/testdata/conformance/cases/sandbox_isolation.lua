-- SPEC Standard library / Processes: each process has its own globals; the libraries are shared read-only, so changing string.upper, process.send or a global in one process (refused, or seen only there) never affects another.
local check = require("lib.check")

return function()
  local send, spawn = process.send, process.spawn_monitored
  -- Vandalize everything this process can reach. Each change may be refused
  -- (read-only libraries raise) or change only this process's view; either
  -- way no other process may see it.
  local attempts = {
    function() string.upper = function() return "hacked" end end,
    function() string.custom = "custom" end,
    function() table.insert = nil end,
    function() math.pi = 3 end,
    function() math.floor = nil end,
    function() process.send = nil end,
    function() process.event.EXIT = "vandalized" end,
    function() process.registry.lookup = nil end,
    function() channel.new = nil end,
    function() time.now = nil end,
    function() errors.new = nil end,
    function() ctx.get = nil end,
    function() coroutine.spawn = nil end,
    function() rawset(string, "upper", function() return "raw hacked" end) end,
    function() rawset(math, "pi", 3) end,
    function() table.insert(string, "appended") end,
    function() table.remove(process.event) end,
    function() setmetatable(string, nil) end,
    function() setmetatable(math, { __index = function() return 0 end }) end,
    function() getmetatable("").__index.upper = function() return "via metatable" end end,
  }
  for _, f in ipairs(attempts) do pcall(f) end
  print = nil
  leaked_global = "leak"
  _G.also_leaked = true

  -- Probes in new processes (several, so some share this instance).
  local expect = {
    upper = "X", method_upper = "X", custom = nil, insert = "function", pi = 3.141592653589793,
    floor = "function", send = "function", exit_kind = "EXIT", lookup = "function",
    channel_new = "function", time_now = "function", errors_new = "function", ctx_get = "function",
    spawn = "function", print = "function", leaked_global = "nil", loadstring_global = "nil",
  }
  check.eq(("x"):upper(), "X", "string methods in this process after the attempts")
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
