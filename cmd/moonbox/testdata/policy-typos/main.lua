return function()
  local w = assert(process.with_context({}):with_actor("auditor"):spawn("worker", "app:processes"))
  return w
end
