-- A function cannot be an exit value: INVALID, never silently dropped.
return function()
  return { f = function() end }
end
