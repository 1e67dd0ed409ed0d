-- SPEC Lifecycle control: monitor(dest)/unmonitor(dest) are one-way: the monitor gets EXIT however the monitored process exits; monitoring a process that is not alive (dead or unknown) is NOT_FOUND.
local check = require("lib.check")

return function()
  check.eq(process.event.EXIT, "EXIT", "process.event.EXIT")
  -- monitor a running process; its normal exit arrives as EXIT.
  local pid = check.must(process.spawn("lib:exits", check.HOST, "block"))
  check.eq(process.monitor(pid), true, "monitor a live process")
  check.must(process.send(pid, "release"))
  local ev = check.exit(pid)
  check.eq(ev.result.value, "released", "EXIT value")
  check.eq(ev.deadline, nil, "EXIT has no deadline")

  -- and its abnormal exit; the monitor itself is not affected.
  pid = check.must(process.spawn("lib:exits", check.HOST, "fail_on_message"))
  check.must(process.monitor(pid))
  check.must(process.send(pid, "go"))
  check.contains(check.exit(pid).result.error, "failed on request", "EXIT error")

  -- unmonitor: no EXIT arrives.
  pid = check.must(process.spawn("lib:exits", check.HOST, "block"))
  check.must(process.monitor(pid))
  check.eq(process.unmonitor(pid), true, "unmonitor")
  check.must(process.send(pid, "release"))
  local gone = false
  for _ = 1, 100 do
    if process.send(pid, "probe") == nil then gone = true break end
    time.sleep(2)
  end
  assert(gone, "the unmonitored process did not exit")
  check.none(process.events(), "EXIT after unmonitor", 30)

  -- One-way: when the monitoring process dies, the monitored one lives on.
  local echo = check.must(process.spawn("lib:echo", check.HOST))
  local watcher = check.must(process.spawn_monitored("lib:exits", check.HOST, "monitor_then_fail", echo))
  check.contains(check.exit(watcher).result.error, "monitor failed", "the watcher's exit")
  check.must(process.send(echo, "ping", "still alive"))
  check.eq(check.msg("ping"), "still alive", "a monitored process is not touched by its monitor's death")
  check.must(process.send(echo, "stop"))

  -- Dead and unknown destinations.
  local _, dead = check.exit_of("value", 1)
  check.err("NOT_FOUND", "monitor a dead process", process.monitor(dead))
  check.err("NOT_FOUND", "unmonitor a dead process", process.unmonitor(dead))
  check.err("NOT_FOUND", "monitor an unknown PID", process.monitor("{app:processes|0xfffffff.t1.n0}"))
  check.err("NOT_FOUND", "unmonitor an unknown PID", process.unmonitor("{app:processes|0xfffffff.t1.n0}"))
  check.err("NOT_FOUND", "monitor an unknown name", process.monitor("nobody-by-this-name"))
  check.err("NOT_FOUND", "unmonitor an unknown name", process.unmonitor("nobody-by-this-name"))
  return true
end
