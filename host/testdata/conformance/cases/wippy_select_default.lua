-- SPEC Channels (as in Wippy): channel.select{..., default = true} with nothing ready returns {default = true, ok = true}; a case that fires has no default field.
local check = require("lib.check")

return function()
  local a = channel.new(1)
  local r = channel.select({ a:case_receive(), default = true })
  check.same(r, { default = true, ok = true }, "select's default result")
  r = channel.select({ default = true })
  check.same(r, { default = true, ok = true }, "select with only a default")
  -- A full channel's case_send takes the default too.
  a:send(1)
  r = channel.select({ a:case_send(2), default = true })
  check.same(r, { default = true, ok = true }, "case_send into a full channel")
  -- A ready case: channel, value, ok, and no default.
  r = channel.select({ a:case_receive(), default = true })
  assert(rawequal(r.channel, a), "the ready case fired")
  check.eq(r.value, 1, "its value")
  check.eq(r.ok, true, "its ok")
  check.eq(r.default, nil, "no default field when a case fired")
  -- Wippy's idiom: `if result.default then ... end` and `if not result.ok then ... end`.
  r = channel.select({ a:case_receive(), default = true })
  assert(r.default and r.ok, "default and ok are both true")
  return true
end
