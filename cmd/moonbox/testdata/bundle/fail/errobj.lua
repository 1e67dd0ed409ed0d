-- An uncaught error object keeps its kind.
return function()
  error(errors.new("PERMISSION_DENIED", "no way"))
end
