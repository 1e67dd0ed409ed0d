-- sender(dest, n, window): wait for "go", then send n messages to dest,
-- with at most window of them unacknowledged (the receiver acks every few
-- thousand), so the mailbox bound is never hit. "stop" instead of "go" ends it.
return function(dest, n, window)
  n, window = tonumber(n), tonumber(window)
  local inbox = process.inbox()
  if inbox:receive():topic() == "stop" then return 0 end
  local send = process.send
  local acked = 0
  for i = 1, n do
    while i - acked > window do
      acked = inbox:receive():payload()
    end
    local ok, err = send(dest, "m", i)
    if not ok then error(err) end
  end
  return n
end
