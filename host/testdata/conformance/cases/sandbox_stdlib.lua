-- SPEC Standard library inside the sandbox: string, table, math, coroutine, os.time/clock/date, print, require; no io, os.execute, filesystem, bytecode loading, setfenv/getfenv; the shared string metatable is not exposed.
local check = require("lib.check")

return function()
  -- Gone.
  for name, v in pairs({
    io = io, dofile = dofile, loadfile = loadfile, setfenv = setfenv, getfenv = getfenv,
    debug = debug, module = module, newproxy = newproxy,
    ["os.execute"] = os.execute, ["os.exit"] = os.exit, ["os.getenv"] = os.getenv,
    ["os.remove"] = os.remove, ["os.rename"] = os.rename, ["os.tmpname"] = os.tmpname,
    ["os.setlocale"] = os.setlocale,
  }) do
    error(name .. " must not exist in the sandbox, got " .. type(v))
  end
  if package ~= nil then
    check.eq(package.loadlib, nil, "package.loadlib")
    check.eq(package.cpath, nil, "package.cpath")
  end
  if string.dump ~= nil then
    check.eq(pcall(string.dump, function() end), false, "string.dump must not produce bytecode")
  end

  -- Present.
  for name, v in pairs({
    string = string, table = table, math = math, coroutine = coroutine, print = print, require = require,
    pcall = pcall, xpcall = xpcall, error = error, assert = assert, type = type, tostring = tostring,
    tonumber = tonumber, select = select, pairs = pairs, ipairs = ipairs, next = next, unpack = unpack,
    rawget = rawget, rawset = rawset, rawequal = rawequal, setmetatable = setmetatable,
    getmetatable = getmetatable, ["os.time"] = os.time, ["os.clock"] = os.clock, ["os.date"] = os.date,
  }) do
    assert(v ~= nil, name .. " must exist in the sandbox")
  end
  check.eq(("x"):upper(), "X", "string methods")
  check.eq(("%d-%s"):format(5, "a"), "5-a", "string.format")
  check.eq(type(os.date("%Y")), "string", "os.date")
  check.eq(type(os.time()), "number", "os.time")
  check.eq(type(os.clock()), "number", "os.clock")
  check.eq(table.concat({ 1, 2, 3 }, ","), "1,2,3", "table.concat")
  check.eq(math.max(1, 5, 3), 5, "math.max")

  -- The shared string metatable is hidden.
  local mt = getmetatable("")
  assert(type(mt) ~= "table", "getmetatable(\"\") must not expose the shared string metatable, got " .. type(mt))
  check.eq(pcall(setmetatable, "", {}), false, "setmetatable on a string")
  -- So is the environment's metatable (it reaches the shared library).
  assert(type(getmetatable(_G)) ~= "table", "getmetatable(_G) must not expose the shared environment")
  check.eq(pcall(setmetatable, _G, nil), false, "setmetatable(_G, nil)")

  -- No bytecode: a binary chunk is refused.
  local f = loadstring and loadstring("\27Lua\81\0\1\4\8\4\8\0")
  check.eq(f, nil, "loadstring of a bytecode chunk")
  if load then
    local sent = false
    local g = load(function()
      if sent then return nil end
      sent = true
      return "\27Lua\81\0"
    end)
    check.eq(g, nil, "load of a bytecode chunk")
  end
  -- Source loading, if present, runs in this process's globals.
  if loadstring then
    local chunk = loadstring("loadstring_global = 42; return loadstring_global")
    check.eq(chunk(), 42, "a loaded chunk")
    check.eq(rawget(_G, "loadstring_global"), 42, "a loaded chunk writes this process's globals")
    local r = check.must(process.call("lib:stdlib_probe", check.HOST))
    check.eq(r.loadstring_global, "nil", "a loaded chunk's global in another process")
  end

  -- Varargs are Lua 5.1's `...`; no Lua 5.0 `arg` table is made for a
  -- vararg function (DECISIONS.md).
  local function count(...) return select("#", ...) end
  check.eq(count(1, nil, 3), 3, "select('#', ...) counts trailing nils")
  local function implicit(...) return arg end
  check.eq(implicit(1, 2), nil, "a vararg function's implicit arg table")
  local function pack(...) return { n = select("#", ...), ... } end
  check.eq(pack("a", "b").n, 2, "a table of the varargs")

  -- collectgarbage does not crash.
  check.eq(type(collectgarbage("count")), "number", "collectgarbage(\"count\")")
  collectgarbage()
  return true
end
