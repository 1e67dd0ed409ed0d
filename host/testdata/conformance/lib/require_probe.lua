-- Requires lib.util in its own process and reports what it sees: its own
-- module table (not marked by its spawner) and a working function.
return function()
  local u = require("lib.util")
  return { marked = u.marked == true, sum = u.add(1, 2) }
end
