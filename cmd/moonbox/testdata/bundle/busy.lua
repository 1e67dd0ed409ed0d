-- Computes forever: never blocked, so only --timeout ends it.
return function()
  local n = 0
  while true do n = n + 1 end
end
