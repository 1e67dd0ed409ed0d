-- Sends its identity to `owner` (topic "identity": pid, id, the pid a
-- coroutine.spawn sibling sees, and the spawn arguments count), then returns its pid.
return function(owner, ...)
  local n = select("#", ...)
  local sibling = channel.new(1)
  coroutine.spawn(function() sibling:send(process.pid()) end)
  local sibling_pid = sibling:receive()
  assert(process.send(owner, "identity", process.pid(), process.id(), sibling_pid, n))
  return process.pid()
end
