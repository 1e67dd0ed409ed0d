-- The client asks the api (by name) n times and reports the total to main.
return function(main, n)
  local inbox, total = process.inbox(), 0
  for i = 1, n do
    assert(process.send("api", "double", i))
    total = total + inbox:receive():payload()
  end
  -- Its policy allows nothing else: terminating the api is refused.
  local ok, err = process.terminate("api")
  assert(ok == nil and err:kind() == "PERMISSION_DENIED", tostring(err))
  assert(process.send(main, "total", total))
end
