-- A table nested deeper than the wire format allows cannot be an exit value.
return function()
  local t = {}
  for _ = 1, 200 do t = { t } end
  return t
end
