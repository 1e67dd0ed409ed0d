-- hostcall(n, warm): n process.call of "echo", a Go-side process (the bench
-- serves it with Tenant.Handle) that returns its argument; every call (spawn
-- of the Go-side process, its run in Go, exit, reply) is timed.
local stats = require("stats")
return function(n, warm)
  n, warm = tonumber(n), tonumber(warm)
  local call, clock, host = process.call, os.clock, "app:processes"
  for i = 1, warm do assert(call("echo", host, i) == i) end
  local lat = {}
  for i = 1, n do lat[i] = 0 end
  local t0 = clock()
  local prev = t0
  for i = 1, n do
    local v, err = call("echo", host, i)
    if v ~= i then error(err or "echo returned " .. tostring(v)) end
    local now = clock()
    lat[i] = now - prev
    prev = now
  end
  local secs = prev - t0
  local s = stats(lat, n)
  s.n, s.secs = n, secs
  return s
end
