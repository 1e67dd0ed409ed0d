-- Sends "hi" to the PID it was given; a failed send is its abnormal exit.
return function(pid)
  local ok, err = process.send(pid, "hi", 1)
  if not ok then error(err) end
  return true
end
