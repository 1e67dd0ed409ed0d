-- SPEC Lifecycle control: when a linked process exits abnormally, a survivor with trap_links = false exits abnormally too ("linked process failed"), cascading along links; links are two-way.
local check = require("lib.check")

-- collect waits for n EXIT events and returns them by PID.
local function collect(n)
  local got = {}
  for i = 1, n do
    local ev = check.recv(process.events(), "EXIT " .. i .. " of " .. n)
    check.eq(ev.kind, process.event.EXIT, "event kind")
    assert(got[ev.from] == nil, "two EXIT events from " .. ev.from)
    got[ev.from] = ev.result
  end
  return got
end

return function()
  local me = process.pid()
  -- error(): the linked middle dies.
  local middle = check.must(process.spawn_monitored("lib:link_middle", check.HOST, me, false, "fail_on_message"))
  local child = check.msg("child")
  check.must(process.monitor(child))
  check.must(process.send(child, "go"))
  local got = collect(2)
  check.contains(got[child].error, "failed on request", "the failing child's exit")
  check.contains(got[middle].error, "linked process failed", "the linked middle's exit")

  -- return nil, err is abnormal too.
  middle = check.must(process.spawn_monitored("lib:link_middle", check.HOST, me, false, "nil_err", "soft failure"))
  check.contains(check.exit(middle).result.error, "linked process failed", "middle linked to a child returning nil, err")
  check.msg("child")

  -- terminate is abnormal too.
  middle = check.must(process.spawn_monitored("lib:link_middle", check.HOST, me, false, "block"))
  child = check.msg("child")
  check.must(process.terminate(child))
  check.contains(check.exit(middle).result.error, "linked process failed", "middle linked to a terminated child")

  -- Two-way: when the middle fails, its linked child (untrapped) dies too.
  middle = check.must(process.spawn_monitored("lib:link_middle", check.HOST, me, false, "block"))
  child = check.msg("child")
  check.must(process.monitor(child))
  check.must(process.terminate(middle))
  got = collect(2)
  check.eq(got[middle].error, "terminated", "the terminated middle's exit")
  check.contains(got[child].error, "linked process failed", "the child linked to the terminated middle")

  -- An explicit link is two-way as well: a process that links to a child and
  -- then fails takes the child with it.
  child = check.must(process.spawn_monitored("lib:exits", check.HOST, "block"))
  local linker = check.must(process.spawn_monitored("lib:exits", check.HOST, "link_then_fail", child))
  got = collect(2)
  check.contains(got[linker].error, "linker failed", "the linker's exit")
  check.contains(got[child].error, "linked process failed", "the process the linker linked to")

  -- Seen through process.call: the kind of a death by link is CANCELED
  -- (decision, docs/DECISIONS.md), its message "linked process failed".
  local v, e = process.call("lib:link_middle", check.HOST, me, false, "error", "under call")
  check.eq(v, nil, "call of a process killed by its link")
  check.eq(check.kind_of(e), "CANCELED", "kind of a death by link")
  check.contains(e:message(), "linked process failed", "message of a death by link")
  check.msg("child")

  -- Cascade along a chain of 5: the tail fails, every other node dies.
  local head = check.must(process.spawn_monitored("lib:chain", check.HOST, 5, me, false))
  local nodes = {}
  for _ = 1, 5 do
    local pid, n = check.msg("node")
    nodes[n] = pid
  end
  check.eq(nodes[5], head, "the head reported itself as node 5")
  for n = 1, 4 do check.ok("monitor chain node " .. n, process.monitor(nodes[n])) end
  check.must(process.send(nodes[1], "fail"))
  got = collect(5)
  check.contains(got[nodes[1]].error, "tail failed", "the tail's exit")
  for n = 2, 5 do
    check.contains(got[nodes[n]].error, "linked process failed", "chain node " .. n .. "'s exit")
  end
  return true
end
