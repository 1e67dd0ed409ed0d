-- Spawns n lib:self_check children (every other one named tag..i) as fast as
-- it can, collects their exits and reports ("storm": tag, failures, first failure).
return function(owner, tag, n)
  local failures, first = 0, nil
  for i = 1, n do
    local pid, err
    if i % 2 == 0 then
      local name = tag .. "_" .. i
      pid, err = process.with_context({}):with_name(name):spawn_monitored("lib:self_check", "app:processes", name)
    else
      pid, err = process.spawn_monitored("lib:self_check", "app:processes")
    end
    if not pid then error("spawn failed: " .. tostring(err)) end
  end
  local events = process.events()
  for _ = 1, n do
    local ev = events:receive()
    local v = ev.result.value
    if v ~= "ok" then
      failures = failures + 1
      first = first or tostring(v or ev.result.error)
    end
  end
  process.send(owner, "storm", tag, failures, first)
  return failures
end
