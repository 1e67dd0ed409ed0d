-- Prints "PREFIX i" for i = 1..n and returns n.
return function(prefix, n)
  for i = 1, n do print(prefix .. " " .. i) end
  return n
end
