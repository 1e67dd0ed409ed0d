-- Attack: misuse of every API the sandbox exposes: wrong types everywhere,
-- PIDs forged for another tenant's processes (the neighbour is tenant 1, its
-- first processes have the lowest sequence numbers) and malformed PIDs,
-- reserved topics, names and IDs past their size limits, paths out of the
-- bundle, writes to the shared library tables, bytecode, deadlines and
-- timers far in the future, spawner options of the wrong shape.
-- (The guest binary is trusted: raw import calls with wild pointers are
-- sandbox/imports_test.go's business. This is what Lua code can reach.)
--
-- What should stop it: every call checks its arguments in the guest or the
-- host and fails with an error value (INVALID, NOT_FOUND, ...) or raises a
-- Lua error in the caller, never anything worse; another tenant's PID is
-- NOT_FOUND exactly like a PID that never existed. main returns the misuses
-- that were accepted as "surprises" (the stress run fails the row if there
-- are any) and how many were refused.
local host = "app:processes"
local surprises, refused_count = {}, 0

-- refused: f must raise, or return nil/false (the API's failure convention).
local function refused(name, f, ...)
  local ok, a = pcall(f, ...)
  if ok and a ~= nil and a ~= false then
    surprises[#surprises + 1] = name .. " -> " .. tostring(a)
  else
    refused_count = refused_count + 1
  end
end

local function forged(seq, tenant, node, hostid)
  return ("{%s|0x%05x.t%d.n%d}"):format(hostid or host, seq, tenant, node or 0)
end

-- wait_exit: the EXIT event of pid within ms milliseconds, or nil
local function wait_exit(events, pid, ms)
  local deadline = time.after(ms)
  while true do
    local r = channel.select { events:case_receive(), deadline:case_receive() }
    if r.channel == deadline then return nil end
    if r.value.from == pid and r.value.kind == process.event.EXIT then return r.value end
  end
end

local function main(mode)
  if mode == "idle" then
    process.inbox():receive()
    return
  end
  if mode == "upgrade" then
    process.upgrade("../../tenants/testdata/good/main")
    return "upgrade returned"
  end
  local me = process.pid()
  local send = process.send
  -- the neighbour: tenant 1 in a stress run (this tenant is added second);
  -- under `moonbox run` this tenant is 1, and 2 is a tenant that does not exist
  local own = tonumber(me:match("%.t(%d+)%."))
  local other = own == 1 and 2 or 1

  -- wrong types and shapes for send
  for i, dest in ipairs { false, 123, {}, true, "", ("x"):rep(257), ("x"):rep(100000), "nobody" } do
    refused("send to bad dest " .. i, send, dest, "t", 1)
  end
  for i, topic in ipairs { false, {}, "", "@exit", "@", "@link_down", ("t"):rep(257) } do
    refused("send with bad topic " .. i, send, me, topic, 1)
  end
  local cyc = {}
  cyc[1] = cyc
  local deep = {}
  do
    local c = deep
    for _ = 1, 80 do c[1] = {} c = c[1] end
  end
  send(me, "sample", 1)
  local sample = process.inbox():receive()
  for name, v in pairs {
    ["function"] = function() end, coroutine = coroutine.create(function() end),
    channel = channel.new(1), cycle = cyc, deep = deep, message = sample,
    ["function in table"] = { f = print }, ["metatable key"] = setmetatable({}, { __index = function() return 1 end }).x and { print } or { print },
  } do
    refused("send payload " .. name, send, me, "t", v)
  end

  -- forged PIDs of the neighbour tenant (1), malformed PIDs
  local targets = {}
  for seq = 1, 200 do targets[#targets + 1] = forged(seq, other) end
  for _, p in ipairs { "{", "{}", "{app:processes|}", "{app:processes|0xZZ.t1.n0}", "{app:processes|0x1.t1.n0}",
    forged(1, other, 1), forged(1, other, 0, "app:other"), forged(2 ^ 40, other), "{app:processes|0x00001.t1.n0} ", " {app:processes|0x00001.t1.n0}" } do
    targets[#targets + 1] = p
  end
  for _, p in ipairs(targets) do
    refused("send to " .. p, send, p, "t", "forged")
    refused("terminate " .. p, process.terminate, p)
    refused("cancel " .. p, process.cancel, p, 10)
    refused("link " .. p, process.link, p)
    refused("monitor " .. p, process.monitor, p)
    refused("unlink " .. p, process.unlink, p)
    refused("unmonitor " .. p, process.unmonitor, p)
    refused("register a name for " .. p, process.registry.register, "stolen", p)
  end

  -- spawn
  for i, args in ipairs {
    { nil, host }, { "main", nil }, { "main" }, { {}, host }, { "main", {} },
    { "../../etc/passwd", host }, { "/etc/passwd", host }, { "..", host }, { "main", "app:undeclared" },
    { "main", forged(1, other) }, { ("x"):rep(100000), host }, { "a..b", host }, { "main\0", host },
    { "app:../main", host }, { "nonexistent", host },
  } do
    refused("spawn " .. i, process.spawn, args[1], args[2], "idle")
  end

  -- registry
  for i, name in ipairs { "", ("n"):rep(300), "{fake", forged(1, other), false, {} } do
    refused("register bad name " .. i, process.registry.register, name)
  end
  refused("lookup a forged PID", process.registry.lookup, forged(1, other))
  refused("unregister a name never registered", process.registry.unregister, "never")

  -- lifecycle arguments
  for i, dest in ipairs { false, "", 123, {} } do
    refused("terminate bad dest " .. i, process.terminate, dest)
  end
  for i, d in ipairs { "nonsense", -5, {}, true, "-1s", "1.5.3s" } do
    refused("cancel with bad deadline " .. i, process.cancel, me, d)
  end
  refused("monitor self", process.monitor, me)
  refused("link self", process.link, me)
  for i, o in ipairs { { trap_links = "yes" }, { bogus = 1 }, "x", 1 } do
    refused("set_options " .. i, process.set_options, o)
  end

  -- a deadline or a timer far in the future must not fire now
  local events = process.events()
  local child = assert(process.spawn_monitored("main", host, "idle"))
  process.cancel(child, 1e13) -- ~317 years: refused, or a deadline that must not pass now
  local ev = wait_exit(events, child, 300)
  if ev then
    surprises[#surprises + 1] = "cancel deadline 1e13 ms ended the process at once: " .. tostring(ev.result.error)
  else
    refused_count = refused_count + 1
    process.terminate(child)
    wait_exit(events, child, 1000)
  end
  local far = time.after(1e13) -- refused (nil, err) or a timer that must not fire now
  if far == nil then
    refused_count = refused_count + 1
  elseif channel.select({ far:case_receive(), time.after(300):case_receive() }).channel == far then
    surprises[#surprises + 1] = "time.after(1e13 ms) fired at once"
  else
    refused_count = refused_count + 1
  end
  for i, d in ipairs { -1, "x", {}, "-5s" } do
    refused("time.after bad duration " .. i, time.after, d)
  end

  -- spawner options
  local sp = process.with_context({})
  refused("context with a function", function() return process.with_context({ f = print }):spawn("main", host, "idle") end)
  refused("actor of the wrong type", function() return sp:with_actor(123):spawn("main", host, "idle") end)
  refused("scope of the wrong type", function() return sp:with_scope({ {} }):spawn("main", host, "idle") end)
  refused("name too long", function() return sp:with_name(("x"):rep(300)):spawn("main", host, "idle") end)
  refused("name like a PID", function() return sp:with_name("{x"):spawn("main", host, "idle") end)
  refused("reserved message topic", function() return sp:with_message("@x", 1):spawn("main", host, "idle") end)
  refused("empty message topic", function() return sp:with_message("", 1):spawn("main", host, "idle") end)

  -- upgrade to a path outside the bundle: the child must exit abnormally
  local up = assert(process.spawn_monitored("main", host, "upgrade"))
  ev = wait_exit(events, up, 5000)
  if not ev or ev.result.error == nil then
    surprises[#surprises + 1] = "upgrade out of the bundle: " .. tostring(ev and ev.result.value)
  else
    refused_count = refused_count + 1
  end

  -- require, load, the shared library
  for i, id in ipairs { "../../etc/passwd", "/etc/passwd", ("a."):rep(1000) .. "b", "main\0", "..", "" } do
    refused("require " .. i, require, id)
  end
  refused("bytecode", function() return loadstring("\27Lua\81\0") end)
  refused("string metatable", function() return getmetatable("") end)
  refused("write string.x", function() string.x = 1 return true end)
  refused("rawset string", function() rawset(string, "x", 1) return true end)
  refused("table.insert into process", function() table.insert(process, 1) return true end)
  refused("replace process.send", function() process.send = print return true end)
  refused("setmetatable on string", function() setmetatable(string, {}) return true end)
  for _, name in ipairs { "io", "debug", "dofile", "loadfile", "module", "setfenv", "getfenv" } do
    refused("global " .. name, function() return _G[name] end)
  end
  refused("os.exit", function() return os.exit end)
  refused("os.execute", function() return os.execute end)
  refused("string.dump", function() return string.dump end)
  for i, t in ipairs { "@exit", "", false } do
    refused("listen bad topic " .. i, process.listen, t)
  end
  refused("channel of a silly size", function() return channel.new(1e12) end)
  refused("message method on a table", function() return getmetatable(sample) and getmetatable(sample).__index.topic({}) end)

  print(("%d misuses refused, %d accepted"):format(refused_count, #surprises))
  for _, s in ipairs(surprises) do print("accepted: " .. s) end
  return { surprises = surprises, refused = refused_count }
end

return { main = main }
