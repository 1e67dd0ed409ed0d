-- A bundle module for require("lib.util"): a plain table of functions.
local M = {}
function M.add(a, b) return a + b end
return M
