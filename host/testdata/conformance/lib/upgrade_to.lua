-- Upgrades at once to `source` (which may be missing or broken); reports
-- ("after_upgrade") if the call ever returns.
return function(owner, source)
  local r, err = process.upgrade(source)
  process.send(owner, "after_upgrade", r, tostring(err))
  return "upgrade returned"
end
