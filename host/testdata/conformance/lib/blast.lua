-- Sends n messages ("blast": tag, i for i = 1..n) to `to`, then returns n.
return function(to, tag, n)
  for i = 1, n do assert(process.send(to, "blast", tag, i)) end
  return n
end
