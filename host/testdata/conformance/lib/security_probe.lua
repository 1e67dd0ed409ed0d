-- Reports its security identity to owner as one "security" message:
-- {depth, id, meta, scope (roles, or false), can = {answer per check}}.
-- checks is a list of {action, resource}; an answer is true, false or
-- "error KIND". With depth > 0 it first runs a child of its own through
-- process.call (which inherits the actor and scope), so the child's report
-- arrives first.
return function(owner, depth, checks)
  if depth > 0 then
    assert(process.call("lib:security_probe", "app:processes", owner, depth - 1, checks))
  end
  local security = require("security")
  local a = security.actor()
  local s = security.scope()
  local answers = {}
  for i, c in ipairs(checks or {}) do
    local ok, err = security.can(c[1], c[2])
    if ok == nil then ok = "error " .. err:kind() end
    answers[i] = ok
  end
  assert(process.send(owner, "security", {
    depth = depth, id = a:id(), meta = a:meta(), scope = s and s:policies() or false, can = answers,
  }))
  return true
end
