-- Attack: memory bombs under default limits. main keeps four children alive,
-- each growing an array of fresh tables until something ends it, and
-- replaces each one that dies, for a minute.
--
-- What should stop each child: memory_run (32 MiB grown without waiting, by
-- default: about a second), else the memory soft limit of its instance, the
-- cap on a table's array part ("table too large"), or a growth the memory
-- guard refuses; never a trap of the instance.
local function grow()
  local t = {}
  local i = 0
  while true do
    i = i + 1
    t[i] = { i }
  end
end

return function(mode)
  if mode == "grow" then return grow() end
  local live = 0
  local deadline = time.now() + 60000
  local inbox = process.inbox()
  local events = process.events()
  while time.now() < deadline do
    while live < 4 do
      assert(process.spawn_monitored("main", "app:processes", "grow"))
      live = live + 1
    end
    events:receive()
    live = live - 1
  end
  return "done"
end
