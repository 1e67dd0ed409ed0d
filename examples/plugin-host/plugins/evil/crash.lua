return function()
  error("plugin bug: index out of range")
end
