-- fib: the CPU-bound kernel. The same text runs as a module in a Moonbox
-- process and, through DoString, in a plain gopher-lua state.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end
return fib
