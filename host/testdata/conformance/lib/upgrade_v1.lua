-- First version of an upgradable server. "ping" is answered with "v1";
-- "upgrade" (payload: how) replaces the code with lib:upgrade_v2, passing
-- (owner, "state-from-v1", {n = 1}); code after process.upgrade must never
-- run (it would send "after_upgrade"). how = "pcall" calls upgrade inside pcall.
return function(owner)
  v1_global = "set by v1"
  local inbox = process.inbox()
  while true do
    local msg = inbox:receive()
    local topic = msg:topic()
    if topic == "ping" then
      process.send(msg:from(), "pong", "v1")
    elseif topic == "upgrade" then
      if msg:payload() == "pcall" then
        local ok, err = pcall(process.upgrade, "lib:upgrade_v2", owner, "state-from-v1", { n = 1 })
        process.send(owner, "after_upgrade", ok, tostring(err))
      else
        process.upgrade("lib:upgrade_v2", owner, "state-from-v1", { n = 1 })
        process.send(owner, "after_upgrade")
      end
      return "v1 returned after upgrade"
    end
  end
end
