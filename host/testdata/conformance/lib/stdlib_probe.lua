-- Reports what the standard library and globals look like to a fresh
-- process, so a case can check that another process's changes did not leak.
return function()
  return {
    upper = string.upper("x"),
    method_upper = ("x"):upper(),
    custom = string.custom,
    insert = type(table.insert),
    pi = math.pi,
    floor = type(math.floor),
    send = type(process.send),
    exit_kind = process.event.EXIT,
    lookup = type(process.registry.lookup),
    channel_new = type(channel.new),
    time_now = type(time.now),
    errors_new = type(errors.new),
    ctx_get = type(ctx.get),
    spawn = type(coroutine.spawn),
    print = type(print),
    leaked_global = tostring(rawget(_G, "leaked_global")),
    loadstring_global = tostring(rawget(_G, "loadstring_global")),
    string_mt = type(getmetatable("")),
  }
end
