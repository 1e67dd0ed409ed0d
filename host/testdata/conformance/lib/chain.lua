-- One link of a chain of n processes, each spawn_linked by the one before.
-- Every node reports itself to `owner` ("node": pid, n). The tail (n == 1)
-- waits for "fail" in its inbox and raises "tail failed". With trap_head,
-- the head traps links and reports its LINK_DOWN ("head_link_down": its
-- child's pid, ev.from, ev.result.error), then exits normally.
return function(n, owner, trap_head)
  assert(process.send(owner, "node", process.pid(), n))
  if n == 1 then
    process.inbox():receive()
    error("tail failed")
  end
  if trap_head then assert(process.set_options({ trap_links = true })) end
  local child = assert(process.spawn_linked("lib:chain", "app:processes", n - 1, owner))
  if trap_head then
    local events = process.events()
    while true do
      local ev = events:receive()
      if ev.kind == process.event.LINK_DOWN then
        process.send(owner, "head_link_down", child, ev.from, ev.result.error)
        return "head survived"
      end
    end
  end
  process.inbox():receive()
  return "chain node released"
end
