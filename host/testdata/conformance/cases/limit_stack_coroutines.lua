-- SPEC Processes (limits): runaway recursion through coroutines (coroutine.wrap / coroutine.resume) is stopped with an error in the process that recursed; it never crashes the sandbox or the host.
-- Lua 5.1 itself stops nested resumes at 200 C levels; this case allows up to
-- 2,000 before it calls the recursion unbounded (every level is a live
-- coroutine: without a limit, recursion this way exhausts the host's Go
-- stack — a fatal error of the whole host — or the sandbox's memory).
local check = require("lib.check")

local MAX = 2000

return function()
  local depth, ok, err
  -- recursion through coroutine.wrap
  depth = 0
  local function via_wrap()
    depth = depth + 1
    if depth >= MAX then return "bottom" end
    return coroutine.wrap(via_wrap)()
  end
  ok, err = pcall(via_wrap)
  assert(not ok, "recursion through coroutine.wrap reached " .. MAX .. " nested coroutines without an error")

  -- recursion through coroutine.resume
  depth = 0
  local function via_resume()
    depth = depth + 1
    if depth >= MAX then return "bottom" end
    local co = coroutine.create(via_resume)
    local rok, v = coroutine.resume(co)
    if not rok then error(v, 0) end
    return v
  end
  ok, err = pcall(via_resume)
  assert(not ok, "recursion through coroutine.resume reached " .. MAX .. " nested coroutines without an error")

  check.must(process.send(process.pid(), "alive", 1))
  check.eq(check.msg("alive"), 1, "the process after the overflows")
  return true
end
