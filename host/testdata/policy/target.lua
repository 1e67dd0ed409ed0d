-- In "wait" mode a passive target; in "probe" mode it tries every action of
-- the seed's table on its parent and reports the error kinds it got.
return function(mode, parent)
  if mode == "wait" then
    local m = process.inbox():receive()
    return m:topic()
  end
  local function kind(v, err)
    if v then return "OK" end
    return err:kind()
  end
  local r = {}
  r.spawn = kind(process.spawn("target", "app:processes", "wait"))
  r.spawn_monitored = kind(process.spawn_monitored("target", "app:processes", "wait"))
  r.spawn_linked = kind(process.spawn_linked("target", "app:processes", "wait"))
  r.call = kind(process.call("target", "app:processes", "wait"))
  r.terminate = kind(process.terminate(parent))
  r.cancel = kind(process.cancel(parent))
  r.monitor = kind(process.monitor(parent))
  r.unmonitor = kind(process.unmonitor(parent))
  r.link = kind(process.link(parent))
  r.unlink = kind(process.unlink(parent))
  r.register = kind(process.registry.register("main.probe"))
  r.unregister = kind(process.registry.unregister("main.probe"))
  r.context = kind(process.with_context({ a = 1 }):spawn("target", "app:processes", "wait"))
  r.security = kind(process.with_context({}):with_actor("main"):spawn("target", "app:processes", "wait"))
  assert(process.send(parent, "report", r))
end
