-- graceful waits for CANCEL and exits normally when it comes.
return function()
  local ev = process.events():receive()
  if ev.kind == process.event.CANCEL then
    print("graceful: cancelled, leaving")
    return "cancelled"
  end
  error("unexpected event " .. tostring(ev.kind))
end
