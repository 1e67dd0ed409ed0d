-- A syntax error on line 3.
return function()
  local x = = 1
  return x
end
