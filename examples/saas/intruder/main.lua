-- intruder: tries to reach the other tenants. Everything must be NOT_FOUND.
return function()
  local tries, refused = 0, 0
  local function try(what, v, err)
    tries = tries + 1
    if v == nil and err:kind() == "NOT_FOUND" then
      refused = refused + 1
    else
      error(("%s: reached another tenant (%s)"):format(what, tostring(err or v)))
    end
  end
  time.sleep("50ms") -- let the others start
  -- their registered names
  try("send to api", process.send("api", "double", 1))
  try("lookup api", process.registry.lookup("api"))
  -- PIDs forged for every tenant slot and the first sequence numbers
  for tenant = 1, 3 do
    for seq = 1, 12 do
      local pid = ("{app:processes|0x%05x.t%d.n0}"):format(seq, tenant)
      if pid ~= process.pid() then
        try("send to " .. pid, process.send(pid, "hello"))
        try("monitor " .. pid, process.monitor(pid))
        try("terminate " .. pid, process.terminate(pid))
      end
    end
  end
  -- their sources
  try("spawn acme:api", process.spawn("acme:api", "app:processes"))
  print(("intruder: %d attempts, %d NOT_FOUND"):format(tries, refused))
  return { tenant = "intruder", attempts = tries, not_found = refused }
end
