-- A sender outruns its receiver: what a full mailbox does, and the two idioms
-- that make a fast sender wait for a slow receiver.
--   moonbox run examples/backpressure [main] [MODE] [N]
-- MODE naive:  send N messages in a loop; count the sends refused with
--              UNAVAILABLE (the receiver's mailbox holds 100, tenant.yaml).
--              How many fail depends on where the two processes run: in the
--              same instance the receiver cannot run until the sender blocks.
-- MODE retry:  on UNAVAILABLE, sleep a millisecond and send again.
-- MODE window: credit-based flow control: at most WINDOW messages
--              unacknowledged, the receiver acknowledges every WINDOW/2.
-- See docs/SPEC.md (Sending) and docs/DECISIONS.md (Back-pressure).
local WINDOW = 50

-- send_waiting sends, and while the receiver's mailbox is full lets it run
-- and tries again, up to `tries` times.
local function send_waiting(dest, topic, value, tries)
  for _ = 1, tries do
    local ok, err = process.send(dest, topic, value)
    if ok or not errors.is(err, errors.UNAVAILABLE) then return ok, err end
    time.sleep(1)
  end
  return nil, errors.new(errors.UNAVAILABLE, "receiver's mailbox stayed full")
end

local function main(mode, n)
  mode, n = mode or "window", math.floor(tonumber(n) or 10000)
  local me = process.pid()
  local every = mode == "window" and WINDOW / 2 or 0 -- no acks unless asked for
  local receiver = assert(process.spawn_monitored("receiver", "app:processes", me, every))
  local refused = 0
  if mode == "naive" then
    for i = 1, n do
      if not process.send(receiver, "m", i) then refused = refused + 1 end
    end
  elseif mode == "retry" then
    for i = 1, n do
      assert(send_waiting(receiver, "m", i, 10000))
    end
  elseif mode == "window" then
    local acked, inbox = 0, process.inbox()
    for i = 1, n do
      while i - acked > WINDOW do
        acked = inbox:receive():payload() -- the receiver's count so far
      end
      assert(process.send(receiver, "m", i))
    end
  else
    error("unknown mode " .. tostring(mode) .. " (naive, retry or window)")
  end
  assert(send_waiting(receiver, "done", 0, 10000))
  local ev = process.events():receive()
  local got = ev.result.value
  print(("%s: %d sent, %d refused, %d received in order"):format(mode, n, refused, got))
  return got
end

return { main = main }
