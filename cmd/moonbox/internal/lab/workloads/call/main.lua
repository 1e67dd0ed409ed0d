-- call(n, warm, callee): n process.call of a callee that returns its argument
-- (default "callee", a Lua process; hostcall passes "echo", a Go-side one);
-- each call (spawn, run, exit, reply) is timed.
local stats = require("stats")
return function(n, warm, callee)
  n, warm, callee = tonumber(n), tonumber(warm), callee or "callee"
  local call, clock, host = process.call, os.clock, "app:processes"
  for i = 1, warm do assert(call(callee, host, i) == i) end
  local lat = {}
  for i = 1, n do lat[i] = 0 end
  local t0 = clock()
  local prev = t0
  for i = 1, n do
    local v, err = call(callee, host, i)
    if v ~= i then error(err or callee .. " returned " .. tostring(v)) end
    local now = clock()
    lat[i] = now - prev
    prev = now
  end
  local secs = prev - t0
  local s = stats(lat, n)
  s.n, s.secs = n, secs
  return s
end
