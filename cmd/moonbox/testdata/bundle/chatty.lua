-- Leaves a child printing forever and exits: nothing may follow the exit
-- value's JSON line on stdout.
local function child()
  while true do
    print("tick")
    time.sleep("1ms")
  end
end

return {
  main = function(mode)
    if mode == "child" then return child() end
    for _ = 1, 8 do assert(process.spawn("chatty", "app:processes", "child")) end
    time.sleep("20ms")
    print("main done")
    return "done"
  end,
}
