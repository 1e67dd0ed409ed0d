-- Links to a child lib:exits(child_how, child_arg) with spawn_linked and
-- tells `owner` ("child": its pid). With trap, it traps links and forwards
-- every LINK_DOWN to owner ("link_down": from, result.error, result.value).
-- It exits only when linked failure kills it, or on an inbox "stop" (value "stopped").
return function(owner, trap, child_how, child_arg)
  if trap then assert(process.set_options({ trap_links = true })) end
  local child = assert(process.spawn_linked("lib:exits", "app:processes", child_how, child_arg))
  assert(process.send(owner, "child", child))
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select({ inbox:case_receive(), events:case_receive() })
    if r.channel == inbox then
      if r.value:topic() == "stop" then return "stopped" end
    elseif r.value.kind == process.event.LINK_DOWN then
      process.send(owner, "link_down", r.value.from, r.value.result.error, r.value.result.value)
    end
  end
end
