-- An exit value past the payload limit (1 MiB) is an abnormal exit that
-- says both sizes.
return function()
  return string.rep("x", 2 * 1024 * 1024)
end
