-- Calls itself n levels deep with process.call; returns the depth reached,
-- or passes the innermost error up unchanged (nil, err).
return function(n)
  if n == 0 then return 0 end
  local v, err = process.call("lib:call_deep", "app:processes", n - 1)
  if v == nil then return nil, err end
  return v + 1
end
