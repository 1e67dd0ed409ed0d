-- Messages from one sender to one receiver arrive in the order sent, also
-- between processes that share an instance (the host hands such a message
-- back to the guest instead of queueing a record, unless records already
-- wait for the instance: both paths are taken here, in one stream).
return function()
  local inbox = process.inbox()
  -- To itself: always the same instance.
  for i = 1, 100 do assert(process.send(process.pid(), "self", i)) end
  for i = 1, 100 do
    local msg = inbox:receive()
    assert(msg:topic() == "self" and msg:payload() == i, ("self: got %s %s, want %d"):format(msg:topic(), tostring(msg:payload()), i))
    assert(msg:from() == process.pid())
  end
  -- To echoes spread over the shards: some share this instance. Bursts sent
  -- right after a spawn queue behind its start record; later ones, sent when
  -- nothing waits for the instance, may skip the queue.
  local echoes = {}
  for e = 1, 8 do echoes[e] = assert(process.spawn("lib:echo", "app:processes")) end
  local next_of = {}
  for round = 1, 20 do
    for e = 1, 8 do
      for k = 1, 5 do assert(process.send(echoes[e], "n", (round - 1) * 5 + k)) end
    end
    for _ = 1, 40 do
      local msg = inbox:receive()
      local from = msg:from()
      local want = (next_of[from] or 0) + 1
      assert(msg:payload() == want, ("from %s: got %s, want %d"):format(from, tostring(msg:payload()), want))
      next_of[from] = want
    end
  end
  for e = 1, 8 do
    assert(next_of[echoes[e]] == 100)
    process.send(echoes[e], "stop")
  end
  return true
end
