-- Calls process.upgrade(nil, owner, how, gen) from an unusual place (how:
-- "sibling" = a coroutine.spawn sibling while main waits, "wrap" = inside
-- coroutine.wrap, "resume" = inside a coroutine.resume'd coroutine,
-- "xpcall" = inside xpcall with a handler). The new generation reports
-- ("upgraded": gen, how) and returns gen; code after upgrade reports "after_upgrade".
return function(owner, how, gen)
  if gen then
    process.send(owner, "upgraded", gen, how)
    return gen
  end
  if how == "sibling" then
    coroutine.spawn(function()
      process.upgrade(nil, owner, how, "from sibling")
      process.send(owner, "after_upgrade", "sibling")
    end)
    process.inbox():receive()
    process.send(owner, "after_upgrade", "main")
    return "main was not replaced"
  elseif how == "wrap" then
    local r = coroutine.wrap(function() process.upgrade(nil, owner, how, "from wrap") end)()
    process.send(owner, "after_upgrade", "wrap", tostring(r))
  elseif how == "resume" then
    local ok, e = coroutine.resume(coroutine.create(function() process.upgrade(nil, owner, how, "from resume") end))
    process.send(owner, "after_upgrade", "resume", ok, tostring(e))
  elseif how == "xpcall" then
    local ok, e = xpcall(function() process.upgrade(nil, owner, how, "from xpcall") end, function(e) return e end)
    process.send(owner, "after_upgrade", "xpcall", ok, tostring(e))
  end
  return "not replaced"
end
