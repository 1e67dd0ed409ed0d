-- ping: the well-behaved neighbour of `moonbox stress`. It waits for "go"
-- carrying the pong's PID, then bounces a counter off the pong until it is
-- told "stop". It prints one empty line per completed round trip: the Go side
-- timestamps every line, so the latencies are measured outside the sandbox.
-- It counts what it sent and received and checks every reply, so a lost,
-- duplicated, reordered or foreign message shows in its exit value.
return function()
  local inbox = process.inbox()
  local go = inbox:receive()
  if go:topic() == "stop" then return nil end
  local pong = go:payload()
  local send, print = process.send, print
  local sent, received, wrong, stray, send_errors = 0, 0, 0, 0, 0
  local first_error
  local stopping = false
  local i = 0
  while not stopping do
    i = i + 1
    local ok, err = send(pong, "ping", i)
    if not ok then
      -- a send to a live, idle process must not fail: count it and stop
      send_errors = send_errors + 1
      first_error = first_error or tostring(err)
      break
    end
    sent = sent + 1
    while true do
      local m = inbox:receive()
      local topic = m:topic()
      if topic == "pong" then
        received = received + 1
        if m:payload() ~= i then wrong = wrong + 1 end
        print("")
        break
      elseif topic == "stop" then
        stopping = true -- the reply may still be on its way: drained below
        break
      else
        stray = stray + 1
      end
    end
  end
  -- Replies still owed arrive within the grace period, or they are lost.
  local deadline = time.after("3s")
  while received < sent do
    local r = channel.select { inbox:case_receive(), deadline:case_receive() }
    if r.channel == deadline then break end
    local m = r.value
    if m:topic() == "pong" then
      received = received + 1
      if m:payload() ~= sent then wrong = wrong + 1 end
    elseif m:topic() ~= "stop" then
      stray = stray + 1
    end
  end
  send(pong, "stop")
  return {
    sent = sent, received = received, wrong = wrong, stray = stray,
    send_errors = send_errors, first_error = first_error,
  }
end
