-- globex: a two-stage pipeline whose stages may not spawn.
return function()
  local inbox = process.inbox()
  assert(process.spawn("stage", "app:processes", process.pid(), 1))
  assert(process.spawn("stage", "app:processes", process.pid(), 2))
  local results = {}
  for _ = 1, 2 do
    local stage, denied = inbox:receive():payload()
    results[stage] = denied
  end
  print("globex stages were refused spawning: " .. results[1] .. ", " .. results[2])
  return { tenant = "globex", refused = results }
end
