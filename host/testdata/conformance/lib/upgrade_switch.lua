-- Counts numbered messages like lib:upgrade_stream, then after `at`
-- messages upgrades to lib:upgrade_counter_v2 (a different source ID).
return function(owner, at, total)
  local inbox = process.inbox()
  local expected = 1
  while expected <= at do
    local i = inbox:receive():payload()
    if i ~= expected then
      error(("before upgrade: message %s arrived when %d was expected"):format(tostring(i), expected))
    end
    expected = expected + 1
  end
  process.upgrade("lib:upgrade_counter_v2", owner, expected, total)
end
