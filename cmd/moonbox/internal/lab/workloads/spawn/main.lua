-- spawn: spawn n idle children in a loop; return the loop's time.
return function(n)
  n = tonumber(n)
  local spawn, clock, host = process.spawn, os.clock, "app:processes"
  local t0 = clock()
  for _ = 1, n do
    local pid, err = spawn("idle", host)
    if not pid then error(err) end
  end
  return { n = n, secs = clock() - t0 }
end
