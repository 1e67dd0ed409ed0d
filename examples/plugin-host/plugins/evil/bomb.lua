-- grows until its memory limit ends it
return function()
  local t = {}
  while true do t[#t + 1] = ("x"):rep(1024) .. #t end
end
