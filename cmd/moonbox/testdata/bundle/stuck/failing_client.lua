return function(server)
  error("could not reach the server " .. tostring(server ~= nil))
end
