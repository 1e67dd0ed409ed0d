-- SPEC Spawning: id and host are required strings (INVALID); a missing source is NOT_FOUND, a syntax error INVALID with the Lua message, an undeclared host NOT_FOUND; a failed spawn leaves nothing behind.
local check = require("lib.check")

return function()
  local variants = { "spawn", "spawn_monitored", "spawn_linked", "spawn_linked_monitored", "call", "exec" }
  for _, name in ipairs(variants) do
    local fn = process[name]
    assert(type(fn) == "function", "process." .. name .. " missing")
    local what = "process." .. name
    check.err("INVALID", what .. "()", fn())
    check.err("INVALID", what .. " without host", fn("lib:echo"))
    check.err("INVALID", what .. " with nil id", fn(nil, check.HOST))
    check.err("INVALID", what .. " with number id", fn(5, check.HOST))
    check.err("INVALID", what .. " with table id", fn({}, check.HOST))
    check.err("INVALID", what .. " with number host", fn("lib:echo", 5))
    check.err("INVALID", what .. " with table host", fn("lib:echo", {}))
    check.err("INVALID", what .. " with empty id", fn("", check.HOST))
    check.err("INVALID", what .. " with empty host", fn("lib:echo", ""))
    check.err("INVALID", what .. " with a function argument", fn("lib:exits", check.HOST, "value", function() end))
    check.err("NOT_FOUND", what .. " of a missing source", fn("lib:does_not_exist", check.HOST))
    check.err("NOT_FOUND", what .. " of a missing namespace", fn("no.such.ns:thing", check.HOST))
    check.err("NOT_FOUND", what .. " of a missing ID without colon", fn("no_such_root_file", check.HOST))
    check.err("NOT_FOUND", what .. " of a path outside the bundle", fn("../../etc:passwd", check.HOST))
    check.err("NOT_FOUND", what .. " on an undeclared host", fn("lib:echo", "app:undeclared"))
    local e = check.err("INVALID", what .. " of a source with a syntax error", fn("lib:syntax_error", check.HOST))
    -- the Lua parser's message: it names the source and the offending token
    check.contains(e:message(), "syntax_error", what .. " syntax error message")
    check.contains(e:message(), "=", what .. " syntax error message")
  end

  -- A failed spawn leaves nothing: no EXIT, no LINK_DOWN, no death by link.
  check.must(process.set_options({ trap_links = true }))
  check.none(process.events(), "event from a failed spawn", 30)
  check.must(process.set_options({ trap_links = false }))
  return true
end
