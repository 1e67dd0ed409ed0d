-- Attack: Lua patterns that backtrack. gopher-lua matches patterns with a
-- recursive backtracking matcher written in Go: one string.find call is one
-- Lua instruction, however long it runs.
--   backtrack (default) string.find(("a"):rep(1200), "a*b"): quadratic,
--             about a second per call; repeated for 3 seconds
--   deep      string.find(("a"):rep(200000), "a*b"): the matcher recurses
--             once per character
--
-- What should stop it: nothing does, and that is the known gap
-- (docs/DECISIONS.md): the instruction budget is checked between
-- instructions, so a match holds its shard until it returns, and every
-- instance on that shard (any tenant's) waits. This bundle stops itself after
-- 3 seconds so a stress run can finish; an attacker that loops (or makes the
-- subject a little longer: the time grows with its square, or exponentially
-- with more a* items) holds the shard for good, and Runtime.Close, which
-- waits for the shard's turn to end, never returns.
-- "deep": the Go stack outgrows the guest's limit, the sandbox traps
-- ("sandbox crashed: stack overflow") and crash containment ends this
-- tenant's processes in that instance.
-- stress: backtrack deep
return function(mode)
  if mode == "deep" then
    local ok, err = pcall(string.find, ("a"):rep(200000), "a*b")
    return { matched = ok, error = tostring(err) }
  end
  local subject = ("a"):rep(1200)
  local started, calls, longest = os.clock(), 0, 0
  while os.clock() - started < 3 do
    local t0 = os.clock()
    string.find(subject, "a*b")
    calls = calls + 1
    longest = math.max(longest, os.clock() - t0)
  end
  return { calls = calls, longest_call_s = longest, note = "stopped itself: nothing else stops it" }
end
