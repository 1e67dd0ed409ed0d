-- SPEC Processes, sources and hosts: a PID is opaque; a PID of another tenant, another node or a process that never existed is NOT_FOUND to every function taking dest.
local check = require("lib.check")

return function()
  local me = process.pid()
  local forged = {}
  -- Variations of my own PID in each part it may encode (tenant, node,
  -- sequence, host); whatever the format, none of these is a process of mine.
  for _, pat in ipairs({ { "%.t(%d+)", ".t9%1" }, { "%.n(%d+)", ".n7%1" }, { "0x(%x+)", "0xabcdef%1" },
    { check.HOST, "app:other" } }) do
    local f = me:gsub(pat[1], pat[2])
    if f ~= me then forged[#forged + 1] = f end
  end
  forged[#forged + 1] = "{app:processes|0xfffffff.t2.n0}"
  forged[#forged + 1] = "{}"
  for _, pid in ipairs(forged) do
    for _, name in ipairs({ "send", "terminate", "cancel", "monitor", "unmonitor", "link", "unlink" }) do
      local r, err
      if name == "send" then r, err = process.send(pid, "t", 1) else r, err = process[name](pid) end
      assert(r == nil and (check.kind_of(err) == "NOT_FOUND" or check.kind_of(err) == "INVALID"),
        name .. "(" .. pid .. "): want NOT_FOUND, got " .. check.show(r) .. ", " .. check.show(err))
    end
    check.err("NOT_FOUND", "registry.register(name, " .. pid .. ")", process.registry.register("forged_name", pid))
  end
  -- The well-formed foreign ones are NOT_FOUND exactly (never PERMISSION_DENIED: no information leaks).
  check.err("NOT_FOUND", "send to another tenant's PID", process.send("{app:processes|0xfffffff.t2.n0}", "t"))
  return true
end
