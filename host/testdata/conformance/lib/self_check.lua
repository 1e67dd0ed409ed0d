-- At its first instructions, checks that it is reachable: a send to its own
-- PID and, when named, a lookup of its name. Returns "ok" or what failed.
return function(name)
  local r, err = process.send(process.pid(), "self", 1)
  if not r then return "send to own PID at the first instruction failed: " .. tostring(err) end
  if name then
    local pid, lerr = process.registry.lookup(name)
    if pid ~= process.pid() then return "lookup of own name at the first instruction: " .. tostring(pid or lerr) end
  end
  return "ok"
end
