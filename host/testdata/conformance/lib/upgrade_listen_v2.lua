-- After the upgrade: listens on "t" again (reporting a refusal as
-- "listen_failed") and reports the next two "t" payloads ("v2_got").
return function(owner)
  local t, err = process.listen("t")
  if not t then
    process.send(owner, "listen_failed", err:kind(), err:message())
    return "listen failed"
  end
  for _ = 1, 2 do process.send(owner, "v2_got", t:receive()) end
  return "done"
end
