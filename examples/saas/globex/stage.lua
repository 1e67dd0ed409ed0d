return function(main, n)
  local pid, err = process.spawn("stage", "app:processes", main, n + 10)
  assert(pid == nil)
  process.send(main, "done", n, err:kind())
end
