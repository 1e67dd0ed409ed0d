return function(name, times)
  local parts = {}
  for i = 1, times or 1 do parts[i] = "hello, " .. name end
  return table.concat(parts, " ")
end
