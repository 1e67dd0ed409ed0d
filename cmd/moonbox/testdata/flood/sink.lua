-- Takes nothing from its mailbox.
return function()
  process.events():receive()
end
