-- main calls a child that waits for a message only main could send, a
-- coroutine waits on a channel of its own, another on a listen channel, a
-- third on a select, a fourth sends on a full channel: every kind of wait once.
return {
  main = function(mode)
    if mode == "child" then
      process.inbox():receive()
      return "released"
    end
    local ch = channel.new()
    coroutine.spawn(function() ch:receive() end)
    coroutine.spawn(function() process.listen("job"):receive() end)
    coroutine.spawn(function()
      channel.select({ process.events():case_receive(), ch:case_receive() })
    end)
    coroutine.spawn(function()
      local full = channel.new(1)
      full:send(1)
      full:send(2)
    end)
    return process.call("stuck:call_cycle", "app:processes", "child")
  end,
}
