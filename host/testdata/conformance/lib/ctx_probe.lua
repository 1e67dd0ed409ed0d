-- Sends owner its context: ("ctx": ctx.all(), ctx.get("a"), ctx.get("b")).
return function(owner)
  assert(process.send(owner, "ctx", ctx.all(), ctx.get("a"), ctx.get("b")))
  return true
end
