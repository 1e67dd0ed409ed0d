-- The default process of the bundle: prints how many arguments it got and
-- returns them as an array.
return function(...)
  print(("main: %d args"):format(select("#", ...)))
  return { ... }
end
