-- bomb grows a table until the memory soft limit ends it.
return function()
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    local t = {}
    for i = 1, 1e9 do t[i] = {i} end
  end
end
