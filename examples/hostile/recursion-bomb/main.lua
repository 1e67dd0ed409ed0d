-- Attack: unbounded recursion, through every path that can recurse: plain
-- calls, __index, __tostring and __concat metamethods, string.gsub and
-- table.sort callbacks, coroutines resumed inside coroutines, require of
-- itself. Each form runs under pcall once (its outcome is printed), then all
-- of them again in an endless loop. With the argument "parser" it instead
-- asks the Lua compiler for an expression nested 100,000 parentheses deep.
--
-- What should stop it: the fixed Lua call stack (200 frames) turns every form
-- into a catchable "stack overflow" error, coroutine nesting is capped at
-- 200, so no form gets near the Go stack or the memory limit; the endless
-- loop ends at cpu_total ("TIMEOUT: CPU budget exhausted").
-- "parser": the parser's nesting is bounded (about 2,000 levels; Lua 5.1
-- allows 200), so loadstring returns the syntax error "chunk has too many
-- syntax levels" at once; the 200 KB chunk's compile is charged 16 units a
-- byte, more than this tenant's cpu_total, so the process then ends with
-- TIMEOUT at its next instruction. Before the bound, the parser's stack grew
-- inside that one Go call until the instance's memory cap trapped the
-- sandbox ("sandbox crashed: out of memory": every process of the tenant on
-- that instance ended).
-- stress: stack parser

local forms = {
  plain = function()
    local function f(n) return 1 + f(n + 1) end
    return f(1)
  end,
  index = function()
    local t = setmetatable({}, {})
    getmetatable(t).__index = function(self, k) return self[k .. "x"] end
    return t.a
  end,
  tostring = function()
    local t = setmetatable({}, { __tostring = function(self) return tostring(self) end })
    return tostring(t)
  end,
  concat = function()
    local mt = {}
    mt.__concat = function(a, b) return a .. b end
    return setmetatable({}, mt) .. "x"
  end,
  gsub = function()
    local function g(s) return (s:gsub(".", g)) end
    return g("ab")
  end,
  sort = function()
    local function cmp(a, b)
      table.sort({ 3, 2, 1 }, cmp)
      return a < b
    end
    table.sort({ 3, 2, 1 }, cmp)
  end,
  coroutines = function()
    local function c() return coroutine.wrap(function() return c()() end) end
    return c()()
  end,
  require_self = function()
    return require("cycle")
  end,
}
local order = { "plain", "index", "tostring", "concat", "gsub", "sort", "coroutines", "require_self" }

return function(mode)
  if mode == "parser" then
    local n = 100000
    local f, err = loadstring("return " .. ("("):rep(n) .. "1" .. (")"):rep(n))
    return { compiled = f ~= nil, error = err }
  end
  for _, name in ipairs(order) do
    local ok, err = pcall(forms[name])
    print(("%s: %s"):format(name, ok and "returned" or tostring(err)))
  end
  while true do
    for _, name in ipairs(order) do pcall(forms[name]) end
  end
end
