-- Receives forever, alternately at the top level and inside pcall (the two
-- ways a blocked process is parked), reporting each message's count to the
-- PID it was started with.
return function(parent)
  local inbox, n = process.inbox(), 0
  while true do
    if n % 2 == 0 then
      inbox:receive()
    else
      pcall(function() inbox:receive() end)
    end
    n = n + 1
    process.send(parent, "got", n)
  end
end
