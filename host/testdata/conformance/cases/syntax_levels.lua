-- SPEC Processes, sources and hosts (limits): a chunk nested past the parser's bound (about 2,000 levels) is the syntax error "chunk has too many syntax levels" of the caller, in both modes; nesting real programs use compiles, and the caller goes on.
local check = require("lib.check")

local function nested(open, close, n)
  return "return " .. open:rep(n) .. "1" .. close:rep(n)
end

return function()
  local f, err = loadstring(nested("(", ")", 500))
  check.eq(err, nil, "500 nested parentheses compile")
  check.eq(f(), 1, "and run")

  for _, deep in ipairs({ nested("(", ")", 50000), "return " .. ("{"):rep(50000) .. ("}"):rep(50000) }) do
    f, err = loadstring(deep)
    check.eq(f, nil, "a chunk nested 50,000 levels")
    check.contains(err, "chunk has too many syntax levels", "its error")
  end
  return true
end
