-- A source with a syntax error: loading it must fail.
return function()
  local x = = 1
end
