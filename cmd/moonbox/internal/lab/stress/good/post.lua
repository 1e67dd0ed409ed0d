-- post: sends one message on the harness's behalf (Go cannot send).
return function(dest, topic, ...)
  local ok, err = process.send(dest, topic, ...)
  if not ok then error(err) end
  return true
end
