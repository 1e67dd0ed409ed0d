-- SPEC Lifecycle control (race): 1,000 processes linked in a chain; the last one fails; all die ("linked process failed"), and the head, which traps links, gets LINK_DOWN instead.
local check = require("lib.check")

return function()
  local N = 1000
  local me = process.pid()
  local head = check.must(process.spawn_monitored("lib:chain", check.HOST, N, me, true))
  local nodes, count = {}, 0
  while count < N do
    local pid, n = check.msg("node", 10000)
    assert(nodes[n] == nil, "node " .. n .. " reported twice")
    nodes[n], count = pid, count + 1
  end
  check.eq(nodes[N], head, "the head is node N")
  for n = 1, N - 1 do check.ok("monitor chain node " .. n, process.monitor(nodes[n])) end
  check.must(process.send(nodes[1], "fail"))

  local results = {}
  for i = 1, N do
    local ev = check.recv(process.events(), "EXIT " .. i .. " of " .. N, 10000)
    check.eq(ev.kind, process.event.EXIT, "event kind")
    results[ev.from] = ev.result
  end
  check.contains(results[nodes[1]].error, "tail failed", "the tail's exit")
  for n = 2, N - 1 do
    local r = results[nodes[n]]
    assert(r, "no EXIT from chain node " .. n)
    check.contains(r.error, "linked process failed", "chain node " .. n .. "'s exit")
  end
  check.eq(results[head].value, "head survived", "the trapping head's exit")
  local child, from, err = check.msg("head_link_down")
  check.eq(child, nodes[N - 1], "the head's linked child")
  check.eq(from, nodes[N - 1], "the head's LINK_DOWN from")
  check.contains(err, "linked process failed", "the head's LINK_DOWN error")
  return true
end
