local util = require("lib.util")

local function main()
  local pid = assert(process.spawn("lib:util", "app.jobs:batch"))
  print(util.greeting(), pid)
end

return { main = main }
