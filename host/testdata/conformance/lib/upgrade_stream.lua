-- Reads numbered messages ("n": i) and checks they come 1, 2, 3, ... with
-- none lost or repeated; every `every` messages it upgrades itself
-- (process.upgrade(nil, owner, next, total, every)) while the sender keeps
-- sending. After `total` messages it reports ("all": count, generations)
-- and returns the count.
return function(owner, expected, total, every, generations)
  expected, generations = expected or 1, (generations or 0) + 1
  local inbox = process.inbox()
  local since = 0
  while expected <= total do
    local msg = inbox:receive()
    local i = msg:payload()
    if i ~= expected then
      error(("message %s arrived when %d was expected (generation %d)"):format(tostring(i), expected, generations))
    end
    expected = expected + 1
    since = since + 1
    if since == every and expected <= total then
      process.upgrade(nil, owner, expected, total, every, generations)
    end
  end
  process.send(owner, "all", expected - 1, generations)
  return expected - 1
end
