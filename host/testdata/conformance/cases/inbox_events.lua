-- SPEC Inbox, events, topics: process.inbox() and process.events() return the same channel on every call (in every coroutine); events that come before events() wait; event tables have kind, from, result, deadline.
local check = require("lib.check")

return function()
  -- An EXIT that arrives before the first process.events() call waits for it.
  local early = check.must(process.spawn_monitored("lib:exits", check.HOST, "value", "early"))
  time.sleep(30)
  local events = process.events()
  local ev = check.recv(events, "the EXIT that arrived before process.events()")
  check.eq(ev.kind, "EXIT", "kind")
  check.eq(ev.from, early, "from")
  check.eq(ev.result.value, "early", "result.value")
  check.eq(ev.deadline, nil, "EXIT deadline")

  assert(rawequal(process.events(), events), "process.events() must return the same channel on every call")
  local inbox = process.inbox()
  assert(rawequal(process.inbox(), inbox), "process.inbox() must return the same channel on every call")
  assert(not rawequal(inbox, events), "inbox and events are different channels")
  local from_sibling = channel.new(1)
  coroutine.spawn(function() from_sibling:send({ process.inbox(), process.events() }) end)
  local pair = from_sibling:receive()
  assert(rawequal(pair[1], inbox), "process.inbox() in a coroutine.spawn sibling is the same channel")
  assert(rawequal(pair[2], events), "process.events() in a coroutine.spawn sibling is the same channel")

  -- The event table's fields, for every kind.
  local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "error", "bad"))
  ev = check.exit(pid)
  check.eq(type(ev.result), "table", "EXIT result")
  check.contains(ev.result.error, "bad", "EXIT result.error")
  check.must(process.set_options({ trap_links = true }))
  pid = check.must(process.spawn_linked("lib:exits", check.HOST, "error", "down"))
  ev = check.event("LINK_DOWN", pid)
  check.contains(ev.result.error, "down", "LINK_DOWN result.error")
  check.must(process.set_options({ trap_links = false }))
  check.must(process.cancel(process.pid()))
  ev = check.event("CANCEL", process.pid())
  check.eq(ev.result, nil, "CANCEL has no result")
  check.eq(ev.deadline, nil, "CANCEL without deadline")

  -- A closed inbox would lose messages: the inbox cannot be closed by
  -- accident through unlisten.
  local r, err = process.unlisten(inbox)
  check.eq(r, nil, "unlisten(inbox) must fail")
  assert(check.kind_of(err), "unlisten(inbox) must return an error object")
  check.must(process.send(process.pid(), "still", 1))
  check.eq(check.msg("still"), 1, "the inbox works after unlisten(inbox)")
  return true
end
