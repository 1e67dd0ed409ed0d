-- Sleeps in a loop forever: never blocked (a timer is always pending), so
-- only --timeout ends it.
return function()
  while true do time.sleep("5ms") end
end
