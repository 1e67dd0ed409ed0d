-- Sleeps before it first calls process.inbox(), then returns the payloads
-- of the first `count` messages, in the order they came.
return function(count, delay)
  time.sleep(delay or 50)
  local inbox = process.inbox()
  local got = {}
  for i = 1, count do got[i] = inbox:receive():payload() end
  return got
end
