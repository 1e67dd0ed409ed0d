-- Sends owner what ctx.get answers: tenant, flag, n, then the kinds of the
-- errors of an unset key and of "".
return function(owner)
  local tenant = ctx.get("tenant")
  local flag = ctx.get("flag")
  local n = ctx.get("n")
  local _, missing = ctx.get("missing")
  local _, empty = ctx.get("")
  assert(process.send(owner, "ctx_get", tenant, flag, n, missing:kind(), empty:kind()))
  return true
end
