return {
  greeting = function() return "hello from acme" end,
  main = function() end,
}
