-- SPEC Standard library: print writes one line to the tenant's log: arguments through tostring (error objects by message), separated by tabs; children's prints go to the same log.
-- output: hello
-- output: 1	two	nil	true	false
-- output: 1.5	-3	42	not found: x
-- output: from the child
-- output: after the child
return function()
  print("hello")
  print(1, "two", nil, true, false)
  print(1.5, -3, 42, errors.new("NOT_FOUND", "not found: x"))
  assert(process.call("lib:printer", "app:processes", "from the child"))
  print("after the child")
  return true
end
