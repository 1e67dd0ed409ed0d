-- SPEC Standard library: require loads modules inside the bundle only, once per process ("lib.util" and "lib:util" are the same module); each process gets its own copy.
local check = require("lib.check")

return function()
  local util = require("lib.util")
  check.eq(type(util), "table", "require's result")
  check.eq(util.add(2, 3), 5, "a module function")
  assert(rawequal(require("lib.util"), util), "require caches the module")
  assert(rawequal(require("lib:util"), util), "lib:util and lib.util are the same module")
  assert(rawequal(require("lib.check"), check), "the helper module is cached too")

  -- Another process loads its own copy: my change does not reach it.
  util.marked = true
  local r = check.must(process.call("lib:require_probe", check.HOST))
  check.eq(r.marked, false, "another process's copy of the module")
  check.eq(r.sum, 3, "the module works in the other process")

  -- Failures raise in the caller. A module's own load error reaches the
  -- first require (later ones may report "loop or previous error", as Lua 5.1 does).
  local ok0, err0 = pcall(require, "lib.bad_module")
  check.eq(ok0, false, "require of a module that raises while loading")
  check.contains(tostring(err0), "refuses to load", "a module's own load error")
  for _, name in ipairs({ "lib.does_not_exist", "io", "os", "debug", "../../../../etc/passwd", "lib.syntax_error", "lib.bad_module", "lib.circ_a" }) do
    local ok, err = pcall(require, name)
    check.eq(ok, false, "require(\"" .. name .. "\") must fail")
    assert(tostring(err) ~= "", "require(\"" .. name .. "\") error message")
  end
  local _, err = pcall(require, "lib.does_not_exist")
  check.contains(tostring(err), "does_not_exist", "require error names the module")
  check.eq(pcall(require), false, "require() without a name")
  return true
end
