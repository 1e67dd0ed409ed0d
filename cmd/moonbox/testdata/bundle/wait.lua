-- Waits forever for a message nobody sends (for --timeout).
return function()
  process.inbox():receive()
  return "released"
end
