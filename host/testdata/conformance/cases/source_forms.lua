-- SPEC Processes, sources and hosts: a source returns a table with main or a function; its chunk runs once when the process starts; main(...) gets the spawn arguments.
local check = require("lib.check")

return function()
  local r = check.must(process.call("lib:main_table", check.HOST, 1, nil, "three", { 4 }))
  check.eq(type(r), "table", "lib:main_table exit value")
  check.eq(r.n, 4, "number of arguments main received (nil in the middle counts)")
  check.eq(r.args[1], 1, "argument 1")
  check.eq(r.args[2], nil, "argument 2")
  check.eq(r.args[3], "three", "argument 3")
  check.eq(type(r.args[4]), "table", "argument 4")
  check.eq(r.args[4][1], 4, "argument 4[1]")
  check.eq(r.chunk_runs, 1, "the source chunk runs once when the process starts")

  -- Each process runs its own copy of the chunk.
  r = check.must(process.call("lib:main_table", check.HOST))
  check.eq(r.n, 0, "main without spawn arguments")
  check.eq(r.chunk_runs, 1, "a second process has its own chunk upvalues")

  -- A source that returns a function.
  check.eq(process.call("lib:exits", check.HOST, "value", "from a function source"), "from a function source")

  -- A source that returns neither a function nor a table with main cannot
  -- run: the process exits abnormally (decision: loading succeeded, so the
  -- spawn succeeds and the process fails, as an Erlang process would).
  local pid, err = process.spawn_monitored("lib:not_a_function", check.HOST)
  assert(pid, "spawn of lib:not_a_function: " .. check.show(err))
  local ev = check.exit(pid)
  assert(type(ev.result.error) == "string" and ev.result.error ~= "",
    "a source returning 42 must exit abnormally, got result " .. check.show(ev.result.value))
  return true
end
