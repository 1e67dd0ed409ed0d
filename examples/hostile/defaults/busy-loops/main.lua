-- Attack: 50 busy loops under default limits. main spawns 50 processes that
-- never wait, then waits itself.
--
-- What should stop it: cpu_run (instructions without waiting) ends each
-- loop; until then the neighbour tenant must keep its share of the CPU.
local function loop()
  local x = 0
  while true do x = x + 1 end
end

return function(mode)
  if mode == "loop" then return loop() end
  for _ = 1, 50 do
    assert(process.spawn("main", "app:processes", "loop"))
  end
  process.inbox():receive()
end
