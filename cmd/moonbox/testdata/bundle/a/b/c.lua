-- Process a.b:c (dotted namespace): reports its own source ID and arguments.
return {
  main = function(...)
    print("running " .. process.id())
    return { id = process.id(), args = { ... } }
  end,
}
