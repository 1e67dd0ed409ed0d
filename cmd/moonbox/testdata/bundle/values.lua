-- Exits normally with the value named by its argument, to test how
-- `moonbox run` renders exit values as JSON.
local values = {
  ["nil"] = function() return nil end,
  ["true"] = function() return true end,
  ["false"] = function() return false end,
  integer = function() return 42 end,
  negative = function() return -7 end,
  float = function() return 1.5 end,
  numbers = function() return { 3, 1.5, -7, 2^53, 1e300, 0.1, 10 / 4, 10 / 2, -2^31 } end,
  infinities = function() return { 1 / 0, -1 / 0 } end,
  string = function() return "plain" end,
  unicode = function() return "héllo ✓ 😀 日本語 ñ" end,
  escapes = function() return "quote\" backslash\\ newline\n tab\t bell\7" end,
  binary = function() return "\255\0\1" end,
  empty_string = function() return "" end,
  array = function() return { 1, 2, 3 } end,
  strings = function() return { "a", "b", "c" } end,
  empty = function() return {} end,
  nested_arrays = function() return { { 1 }, { 2, { 3, { 4 } } }, {} } end,
  object = function() return { b = 1, a = 2, c = "three" } end,
  nested = function()
    return { x = { y = { z = { 1, 2, { deep = true } } } }, list = { { name = "a" }, { name = "b" } } }
  end,
  mixed = function() return { 1, 2, x = 3 } end,
  sparse = function() return { [1] = "one", [3] = "three" } end,
  number_keys = function() return { [10] = "ten", [2] = "two" } end,
  float_key = function() return { [1.5] = "x" } end,
  bool_keys = function() return { [true] = "yes", [false] = "no" } end,
  booleans = function() return { t = true, f = false, list = { true, false } } end,
  error = function() return errors.new("NOT_FOUND", "no such thing") end,
  error_whole = function()
    return errors.new({ message = "busy", kind = errors.UNAVAILABLE, retryable = true, details = { after_ms = 250 } })
  end,
  error_nested = function()
    return { err = errors.new("PERMISSION_DENIED", "denied"), list = { errors.new("TIMEOUT", "slow") } }
  end,
  api_error = function()
    local ok, err = process.send("{app:processes|0xdeadbeef}", "topic")
    assert(ok == nil and err ~= nil, "send to a bogus PID succeeded")
    return err
  end,
}

return function(which)
  local f = values[which]
  if not f then error("values: unknown case " .. tostring(which)) end
  return f()
end
