-- Assertion helpers shared by the conformance cases (a bundle module:
-- cases load it with require("lib.check")). Every helper raises an error
-- that says what was expected and what happened.
local M = {}

M.HOST = "app:processes"

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "userdata" then
    local ok, kind = pcall(function() return v:kind() end)
    if ok then
      local _, msg = pcall(function() return v:message() end)
      return "error(" .. tostring(kind) .. ": " .. tostring(msg) .. ")"
    end
  end
  return tostring(v)
end
M.show = show

-- kind_of returns the kind of an error object, or nil for anything else.
function M.kind_of(e)
  if type(e) ~= "userdata" then return nil end
  local ok, kind = pcall(function() return e:kind() end)
  if ok then return kind end
  return nil
end

-- err checks that a call returned exactly nil, err with err of the given kind.
-- Usage: check.err("INVALID", "send without topic", process.send(pid))
function M.err(kind, what, ...)
  local n = select("#", ...)
  local v, e = ...
  if v ~= nil then
    error(what .. ": want nil, " .. kind .. " error; got " .. show(v) .. ", " .. show(e), 2)
  end
  local k = M.kind_of(e)
  if k ~= kind then
    error(what .. ": want a " .. kind .. " error object; got " .. show(e) .. " (" .. n .. " results)", 2)
  end
  assert(errors.is(e, kind), what .. ": errors.is(err, " .. kind .. ") is false")
  assert(type(e:message()) == "string" and e:message() ~= "", what .. ": empty error message")
  return e
end

-- ok checks that a call succeeded (its first result is not nil) and returns it.
function M.ok(what, v, e, ...)
  if v == nil then error(what .. ": failed: " .. show(e), 2) end
  return v, e, ...
end

-- must returns its arguments if the first is not nil, and raises with the
-- error otherwise: check.must(process.send(...)) instead of assert(...),
-- which cannot show an error object.
function M.must(v, e, ...)
  if v == nil then error("call failed: " .. show(e), 2) end
  return v, e, ...
end

-- contains checks that string s contains the plain text part.
function M.contains(s, part, what)
  if type(s) ~= "string" or not s:find(part, 1, true) then
    error((what or "string") .. ": want text containing " .. show(part) .. ", got " .. show(s), 2)
  end
end

-- eq checks a == b.
function M.eq(a, b, what)
  if a ~= b then error((what or "value") .. ": want " .. show(b) .. ", got " .. show(a), 2) end
end

-- same compares two values deeply (tables by content).
local function same(a, b, path)
  if type(a) ~= type(b) then
    return false, path .. ": want " .. type(b) .. " " .. show(b) .. ", got " .. type(a) .. " " .. show(a)
  end
  if type(a) ~= "table" then
    if a ~= b and not (a ~= a and b ~= b) then
      return false, path .. ": want " .. show(b) .. ", got " .. show(a)
    end
    return true
  end
  for k, v in pairs(b) do
    local ok, why = same(a[k], v, path .. "[" .. show(k) .. "]")
    if not ok then return false, why end
  end
  for k, v in pairs(a) do
    if b[k] == nil then return false, path .. "[" .. show(k) .. "]: unexpected " .. show(v) end
  end
  return true
end

function M.same(a, b, what)
  local ok, why = same(a, b, what or "value")
  if not ok then error(why, 2) end
end

-- isint reports whether x is a number with an integral value.
function M.isint(x) return type(x) == "number" and x == math.floor(x) end

-- recv receives from ch, failing after timeout milliseconds (default 10000:
-- generous, because other tests may load the machine; a hang still fails).
function M.recv(ch, what, timeout)
  local r = channel.select({ ch:case_receive(), time.after(timeout or 10000):case_receive() })
  if r.channel ~= ch then
    error("timed out after " .. (timeout or 10000) .. "ms waiting for " .. (what or "a value"), 2)
  end
  return r.value, r.ok
end

-- msg receives the next inbox message; it must have the given topic.
-- It returns the payload values.
function M.msg(topic, timeout)
  local m = M.recv(process.inbox(), "message " .. topic, timeout)
  if m:topic() ~= topic then
    error("want message " .. show(topic) .. ", got " .. show(m:topic()) .. " (payload " .. show((m:payload())) .. ")", 2)
  end
  return m:payload()
end

-- message receives the next inbox Message object.
function M.message(what, timeout)
  return M.recv(process.inbox(), what or "a message", timeout)
end

-- event receives the next event; it must be of kind (and from `from`, if given).
function M.event(kind, from, timeout)
  local ev = M.recv(process.events(), "event " .. kind, timeout)
  if ev.kind ~= kind or (from ~= nil and ev.from ~= from) then
    local err = ev.result and ev.result.error
    error("want event " .. kind .. " from " .. show(from) .. ", got " .. show(ev.kind) .. " from " .. show(ev.from)
      .. " (error " .. show(err) .. ")", 2)
  end
  return ev
end

-- exit waits for the EXIT event of pid (it must be the next event).
function M.exit(pid, timeout)
  local ev = M.recv(process.events(), "EXIT of " .. tostring(pid), timeout)
  if ev.kind ~= process.event.EXIT or ev.from ~= pid then
    local err = ev.result and ev.result.error
    error("want EXIT from " .. show(pid) .. ", got " .. show(ev.kind) .. " from " .. show(ev.from)
      .. " (error " .. show(err) .. ")", 2)
  end
  return ev
end

-- none checks that ch receives nothing for ms milliseconds.
function M.none(ch, what, ms)
  local r = channel.select({ ch:case_receive(), time.after(ms or 30):case_receive() })
  if r.channel == ch then
    local v = r.value
    local desc = show(v)
    if type(v) == "table" then desc = "event " .. show(v.kind) .. " from " .. show(v.from) end
    if type(v) == "userdata" then
      local ok, topic = pcall(function() return v:topic() end)
      if ok then desc = "message " .. show(topic) end
    end
    error("want no " .. (what or "value") .. ", got " .. desc, 2)
  end
end

-- spawn_exits spawns lib:exits monitored and returns its EXIT event.
function M.exit_of(how, a, b)
  local pid = assert(process.spawn_monitored("lib:exits", M.HOST, how, a, b))
  return M.exit(pid), pid
end

-- call_err runs lib:exits through process.call and returns its error object.
function M.call_err(how, a, b)
  local v, e = process.call("lib:exits", M.HOST, how, a, b)
  if v ~= nil or M.kind_of(e) == nil then
    error("process.call lib:exits " .. how .. ": want nil, err; got " .. show(v) .. ", " .. show(e), 2)
  end
  return e
end

return M
