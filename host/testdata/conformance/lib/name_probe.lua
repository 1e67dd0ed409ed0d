-- At its first instruction, looks its name up and tells owner ("name": the
-- PID the name resolves to, its own PID), then echoes like lib:echo.
return function(owner, name)
  local pid, err = process.registry.lookup(name)
  assert(process.send(owner, "name", pid, process.pid(), err and err:kind()))
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    if msg:topic() == "stop" then return "stopped" end
    process.send(msg:from(), msg:topic(), msg:payload())
  end
end
