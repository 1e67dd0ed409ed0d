-- Listens on topic "t", reads one "t" message and reports it ("v1_got"),
-- then waits for "upgrade" in the inbox and upgrades to lib:upgrade_listen_v2.
return function(owner)
  local t = process.listen("t")
  process.send(owner, "v1_got", t:receive())
  local inbox = process.inbox()
  while inbox:receive():topic() ~= "upgrade" do end
  process.upgrade("lib:upgrade_listen_v2", owner)
end
