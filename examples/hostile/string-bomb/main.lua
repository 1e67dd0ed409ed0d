-- Attack: memory exhaustion through strings.
--   concat (default) s = s .. s, doubling every few instructions
--   rep    the size-capped builtins first (string.rep, table.concat and
--          string.format past their caps must raise errors; outcomes are
--          printed), then strings of 4 MiB made by string.rep, kept in a table
--
-- What should stop it: the builtins' size caps (64 MiB per result, format
-- widths of two digits) turn the oversized calls into Lua errors; the memory
-- soft limit, checked every 10,000 instructions, should end the process that
-- keeps the strings ("memory limit exceeded").
-- Known gap (docs/DECISIONS.md): a string that doubles in size outruns the
-- per-tick check: one `..` opcode allocates twice what the last tick saw,
-- so the instance's memory cap traps it first ("sandbox crashed: out of
-- memory"); crash containment ends only this tenant's processes in that
-- instance. The same holds for any loop that allocates more than
-- memory / 10,000 bytes per instruction, as the rep variant does.
-- stress: concat rep
local function capped()
  local probes = {
    rep = function() return #string.rep("x", 1e9) end,
    rep_sep = function() return #string.rep("x", 1e8, ("y"):rep(100)) end,
    concat = function()
      local parts = {}
      local chunk = ("z"):rep(1048576)
      for i = 1, 100 do parts[i] = chunk end
      return #table.concat(parts)
    end,
    format_width = function() return #string.format("%999999999d", 1) end,
    format_precision = function() return #string.format("%.999f", 1) end,
  }
  for _, name in ipairs { "rep", "rep_sep", "concat", "format_width", "format_precision" } do
    local ok, err = pcall(probes[name])
    print(("%s: %s"):format(name, ok and ("made " .. tostring(err) .. " bytes") or tostring(err)))
  end
end

return function(mode)
  if mode == "rep" then
    capped()
    local keep = {}
    while true do
      keep[#keep + 1] = string.rep("x", 4194304)
    end
  end
  local s = "x"
  while true do
    s = s .. s
  end
end
