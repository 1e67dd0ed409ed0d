-- Prints every argument on its own line (with its type) and returns them.
return function(...)
  local args = { ... }
  for i = 1, select("#", ...) do
    print(("%d %s %q"):format(i, type(args[i]), args[i]))
  end
  return args
end
