-- Prints one line from a child process.
return function(line)
  print(line)
  return true
end
