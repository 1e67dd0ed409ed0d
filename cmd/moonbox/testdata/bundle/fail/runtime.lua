-- A Lua runtime error is an abnormal exit.
return function()
  local t = nil
  return t.field
end
