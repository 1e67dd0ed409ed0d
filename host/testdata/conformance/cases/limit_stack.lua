-- SPEC Processes (limits): runaway recursion is an ordinary Lua error ("stack overflow") of the process that recursed, through plain calls, pcall and metamethods; pcall reports it as false, err and the process goes on.
local check = require("lib.check")

return function()
  local depth

  -- plain recursion
  depth = 0
  local function plain() depth = depth + 1; return 1 + plain() end
  local ok, err = pcall(plain)
  check.eq(ok, false, "unbounded plain recursion")
  check.contains(tostring(err), "stack overflow", "plain recursion error")

  -- recursion through __index
  local t = setmetatable({}, { __index = function(self, k) return self[k] end })
  ok, err = pcall(function() return t.x end)
  check.eq(ok, false, "unbounded recursion through __index")

  -- recursion through pcall: the outer pcall reports the overflow as an error
  depth = 0
  local function via_pcall()
    depth = depth + 1
    local inner_ok, e = pcall(via_pcall)
    if not inner_ok then error(e, 0) end
    return "unreachable"
  end
  local r = { pcall(via_pcall) }
  check.eq(r[1], false, "pcall around recursion through pcall: first result (got " .. #r .. " results: "
    .. check.show(r[1]) .. ", " .. check.show(r[2]) .. ")")
  check.contains(tostring(r[2]), "stack overflow", "recursion through pcall error")
  check.eq(#r, 2, "pcall of a failed call returns false, err")

  -- a process that recurses without pcall exits abnormally; I am fine
  local ev = check.exit_of("recurse")
  check.contains(ev.result.error, "stack overflow", "exit of a process that recursed without bound")
  check.must(process.send(process.pid(), "alive", 1))
  check.eq(check.msg("alive"), 1, "the process after all the overflows")
  return true
end
