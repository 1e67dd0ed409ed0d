-- The idiom assert(call()) on a call that returns nil, err raises err, as
-- Lua 5.3+ assert does with a non-string message: the exit keeps its kind.
return function()
  assert(nil, errors.new("NOT_FOUND", "gone missing"))
end
