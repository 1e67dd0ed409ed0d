-- `return nil, err` with an error object is an abnormal exit with its kind.
return function()
  return nil, errors.new("NOT_FOUND", "gone missing")
end
