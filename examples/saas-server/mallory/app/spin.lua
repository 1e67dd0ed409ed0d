-- spin loops forever when called: the caller's deadline answers 504, and
-- cpu_total ends the process (a TIMEOUT exit); its supervisor restarts it.
return function()
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    local x = 0
    while true do x = x + 1 end
  end
end
