-- The client dies before it answers; main waits for its answer forever.
return function()
  assert(process.spawn("stuck:failing_client", "app:processes", process.pid()))
  local msg = process.inbox():receive()
  return msg:payload()
end
