return function(main, sink)
  for i = 1, 200 do
    assert(process.send(sink, "item", i))
  end
  process.send(main, "done")
end
