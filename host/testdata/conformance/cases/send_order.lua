-- Messages from one sender to one receiver arrive in the order sent.
return function()
  local echo = assert(process.spawn("lib:echo", "app:processes"))
  for i = 1, 200 do assert(process.send(echo, "n", i)) end
  local inbox = process.inbox()
  for i = 1, 200 do
    local msg = inbox:receive()
    assert(msg:topic() == "n", msg:topic())
    assert(msg:payload() == i, ("got %s, want %d"):format(tostring(msg:payload()), i))
    assert(msg:from() == echo)
  end
  process.send(echo, "stop")
  return true
end
