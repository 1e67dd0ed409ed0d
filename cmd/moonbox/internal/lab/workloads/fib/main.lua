-- fib(n, reps): time fib(n) reps times (after one untimed small run).
local fib = require("fib")
return function(n, reps)
  n, reps = tonumber(n), tonumber(reps)
  local clock = os.clock
  fib(15)
  local times = {}
  local value
  for r = 1, reps do
    local t0 = clock()
    value = fib(n)
    times[r] = clock() - t0
  end
  return { value = value, times = times }
end
