-- Re-runs itself with process.upgrade(nil, ...) until generation 3: each
-- generation reports ("gen": n, process.id(), the previous generation's
-- global as it sees it, its trap_links option) and returns n from the last
-- one. Generation 1 sets trap_links = true.
return function(owner, n)
  n = n or 1
  if n == 1 then assert(process.set_options({ trap_links = true })) end
  process.send(owner, "gen", n, process.id(), tostring(rawget(_G, "generation")), process.get_options().trap_links)
  generation = n
  if n < 3 then
    process.upgrade(nil, owner, n + 1)
    process.send(owner, "after_upgrade", n)
  end
  return n
end
