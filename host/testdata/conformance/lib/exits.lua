-- Ends the way its first argument says (used to test every kind of exit):
--   value X         return X                   nothing        return (no value)
--   multi           return 1, 2, 3             nil_err X      return nil, X (a string)
--   nil_err_obj K M return nil, errors.new(K, M)
--   error X         error(X)                   error_obj K M  error(errors.new(K, M))
--   error_table     error({code = 7})          error_nil      error()
--   runtime         index a nil value          arith          add a table to a number
--   terminate_self  process.terminate(own pid)
--   coroutine_error a coroutine.spawn sibling raises while main waits
--   block           wait forever on the inbox  busy           loop forever without blocking
--   busy_pcall      loop forever inside pcall  receive_pcall  receive forever, each inside pcall
--   main_returns_with_sibling  main returns while a coroutine.spawn sibling is still blocked
--   fail_on_message wait for one inbox message, then raise "failed on request"
--   sleep MS        sleep MS milliseconds, then return "slept"
--   link_then_fail P  link to P, then raise "linker failed"
--   monitor_then_fail P  monitor P, then raise "monitor failed"
--   memory_bomb MB  keep up to MB MiB of distinct strings alive (64 KiB each);
--                   returns the MiB it reached if nothing stopped it
--   recurse         unbounded recursion (no pcall)
--   hoard MB        grab MB MiB in 1 MiB strings in few instructions, then
--                   hold them while blocked on the inbox
--   self_spam       send to its own PID and receive, until told "stop" (load on PID lookups)
--   spin N          run a loop of N iterations (no allocation), return "spun"
--   rep_bomb MB     one string.rep of MB MiB; returns the length it got
--   call HOW A      return what process.call("lib:exits", HOW, A) returns (nested call)
return function(how, a, b)
  if how == "value" then return a end
  if how == "nothing" then return end
  if how == "multi" then return 1, 2, 3 end
  if how == "nil_err" then return nil, a end
  if how == "nil_err_obj" then return nil, errors.new(a, b) end
  if how == "error" then error(a) end
  if how == "error_obj" then error(errors.new(a, b)) end
  if how == "error_table" then error({ code = 7 }) end
  if how == "error_nil" then error() end
  if how == "runtime" then
    local t = nil
    return t.field
  end
  if how == "arith" then return 1 + {} end
  if how == "terminate_self" then
    process.terminate(process.pid())
    -- terminate is a forced exit: the process may run a few more
    -- instructions, but never returns normally. Block so it cannot.
    process.inbox():receive()
    return "survived terminate"
  end
  if how == "coroutine_error" then
    coroutine.spawn(function() error("sibling boom") end)
    process.inbox():receive()
    return "survived sibling error"
  end
  if how == "block" then
    process.inbox():receive()
    return "released"
  end
  if how == "busy" then
    local n = 0
    while true do n = n + 1 end
  end
  if how == "busy_pcall" then
    while true do pcall(function() while true do end end) end
  end
  if how == "receive_pcall" then
    local inbox = process.inbox()
    while true do pcall(function() inbox:receive() end) end
  end
  if how == "main_returns_with_sibling" then
    coroutine.spawn(function() process.inbox():receive() end)
    return "main done"
  end
  if how == "fail_on_message" then
    process.inbox():receive()
    error("failed on request")
  end
  if how == "sleep" then
    time.sleep(a)
    return "slept"
  end
  if how == "link_then_fail" then
    assert(process.link(a))
    error("linker failed")
  end
  if how == "monitor_then_fail" then
    assert(process.monitor(a))
    error("monitor failed")
  end
  if how == "memory_bomb" then
    local keep, piece = {}, string.rep("x", 65536 - 8)
    for i = 1, a * 16 do
      keep[i] = piece .. string.format("%08d", i)
    end
    return #keep / 16
  end
  if how == "hoard" then
    local keep, piece = {}, string.rep("x", 1048576 - 8)
    for i = 1, a do keep[i] = piece .. string.format("%08d", i) end
    process.inbox():receive()
    return #keep
  end
  if how == "self_spam" then
    local me, inbox, n = process.pid(), process.inbox(), 0
    while true do
      process.send(me, "spam", n)
      if inbox:receive():topic() == "stop" then return n end
      n = n + 1
    end
  end
  if how == "spin" then
    local x = 0
    for i = 1, a do x = x + i % 7 end
    return "spun"
  end
  if how == "rep_bomb" then
    return #string.rep("x", a * 1024 * 1024)
  end
  if how == "recurse" then
    local function f(n) return 1 + f(n + 1) end
    return f(1)
  end
  if how == "call" then
    return process.call("lib:exits", "app:processes", a, b)
  end
  error("exits: unknown mode " .. tostring(how))
end
