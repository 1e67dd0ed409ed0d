-- pong: answers every "ping" with a "pong" carrying the same payload, until
-- "stop"; then reports what it received and sent.
return function()
  local inbox = process.inbox()
  local send = process.send
  local received, sent, stray, send_errors = 0, 0, 0, 0
  local first_error
  while true do
    local m = inbox:receive()
    local topic = m:topic()
    if topic == "stop" then
      return { received = received, sent = sent, stray = stray, send_errors = send_errors, first_error = first_error }
    elseif topic == "ping" then
      received = received + 1
      local ok, err = send(m:from(), "pong", m:payload())
      if ok then
        sent = sent + 1
      else
        send_errors = send_errors + 1
        first_error = first_error or tostring(err)
      end
    else
      stray = stray + 1
    end
  end
end
