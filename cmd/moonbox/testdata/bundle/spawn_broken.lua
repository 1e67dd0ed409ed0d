-- Spawns a source with a syntax error: the spawn fails with its message.
return function()
  return assert(process.spawn("broken:syntax", "app:processes"))
end
