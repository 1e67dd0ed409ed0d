-- `return nil, "message"` is an abnormal exit with that message.
return function()
  return nil, "plain failure"
end
