-- Attack: huge values at every boundary.
--   sink   (default) 1 MiB payloads (the largest allowed) sent to two sinks
--          that never read, until their mailboxes are full, then again
--          whenever room appears
--   limits values past the limits: a payload of payload+1 bytes, tables
--          nested deeper than 64, cyclic tables, functions and coroutines in
--          payloads, spawn arguments past the payload limit, a 1 MiB print
--          line, an exit value past 1 MiB; every one must be refused (or,
--          for print, cut). It returns the ones that were not as surprises.
--   names  idle processes spawned with a registered name of almost 1 MiB
--          (with_name); up to 300 if the names are accepted
--
-- What should stop it: the payload limit (1 MiB, abi.MaxPayload) bounds one
-- message; the mailbox bound bounds how many wait for one process, so what
-- a sink can pin in memory is mailbox x payload. Messages wait in the host
-- (the receiving instance's queue) until that instance's next turn, then in
-- the receiving guest's heap, under its memory limits. A name given with
-- with_name must be refused past 256 bytes, as process.registry.register
-- refuses it (before commit d15dd66 it was not: the host kept names as long
-- as the spawn request allowed, names x payload bytes no limit counted).
-- stress: sink limits names
local MiB = 1048576

local function limits()
  local surprises = {}
  local function refused(name, f)
    local ok, a, b = pcall(f)
    if ok and a then
      surprises[#surprises + 1] = name
      print(name .. ": accepted")
    else
      print(name .. ": refused: " .. tostring(ok and b or a))
    end
  end
  local me = process.pid()
  refused("payload over the limit", function() return process.send(me, "big", ("x"):rep(MiB + 1)) end)
  refused("two payloads over the limit", function() return process.send(me, "big", ("x"):rep(MiB / 2), ("y"):rep(MiB / 2)) end)
  refused("nested 100 deep", function()
    local t = {}
    local c = t
    for _ = 1, 100 do c[1] = {} c = c[1] end
    return process.send(me, "deep", t)
  end)
  refused("cyclic table", function()
    local t = {}
    t.self = t
    return process.send(me, "cycle", t)
  end)
  refused("function", function() return process.send(me, "fn", function() end) end)
  refused("coroutine", function() return process.send(me, "co", coroutine.create(function() end)) end)
  refused("channel", function() return process.send(me, "ch", channel.new(1)) end)
  refused("spawn arguments over the limit", function() return process.spawn("main", "app:processes", "idle", ("x"):rep(MiB + 1)) end)
  refused("spawn message over the limit", function()
    return process.with_context({}):with_message("m", ("x"):rep(MiB + 1)):spawn("main", "app:processes", "idle")
  end)
  refused("context over the limit", function()
    return process.with_context({ big = ("x"):rep(MiB + 1) }):spawn("main", "app:processes", "idle")
  end)
  print(("L"):rep(MiB)) -- the host cuts a line at 64 KiB
  -- an exit value past the limit, in a child: it must exit abnormally
  local child = assert(process.spawn_monitored("main", "app:processes", "bigexit"))
  local ev = process.events():receive()
  if ev.from == child and ev.result.value ~= nil then
    surprises[#surprises + 1] = "exit value over the limit"
  end
  print("exit value over the limit: " .. tostring(ev.result.error))
  return { surprises = surprises }
end

local function sink(pad)
  local pids = {}
  for i = 1, 2 do
    pids[i] = assert(process.spawn("main", "app:processes", "deaf"))
  end
  local accepted, refused = 0, 0
  local started = os.clock()
  while os.clock() - started < 2 do
    for _, pid in ipairs(pids) do
      if process.send(pid, "big", pad) then accepted = accepted + 1 else refused = refused + 1 end
    end
  end
  return { accepted = accepted, refused = refused, bytes_accepted = accepted * #pad }
end

local function names(n)
  local made, first_error = 0, nil
  for i = 1, n do
    local name = ("%06d"):format(i) .. ("n"):rep(MiB - 4096)
    local pid, err = process.with_context({}):with_name(name):spawn("main", "app:processes", "idle")
    if pid then made = made + 1 else first_error = first_error or tostring(err) break end
  end
  local surprises = {}
  if made > 0 then
    surprises[1] = ("%d names of 1 MiB accepted (%d bytes the host keeps)"):format(made, made * (MiB - 4090))
  end
  return { names = made, refused = first_error, surprises = surprises }
end

return function(mode)
  if mode == "idle" then process.inbox():receive() return end
  -- a sink never reads its mailbox: it waits on a channel nobody sends on
  if mode == "deaf" then channel.new():receive() return end
  if mode == "names" then return names(300) end
  if mode == "bigexit" then return ("x"):rep(MiB + 16) end
  if mode == "limits" then return limits() end
  return sink(("x"):rep(MiB - 64))
end
