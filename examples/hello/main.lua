-- The smallest Moonbox process: print a greeting and exit with a value.
--   moonbox run examples/hello [main [NAME]]
local function main(name)
  name = name or "world"
  print(("hello, %s, from %s (%s)"):format(name, process.pid(), process.id()))
  return { greeted = name }
end

return { main = main }
