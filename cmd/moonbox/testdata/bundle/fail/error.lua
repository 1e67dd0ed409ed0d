-- An uncaught error(string) is an abnormal exit.
return function()
  print("before the error")
  error("kaboom")
end
