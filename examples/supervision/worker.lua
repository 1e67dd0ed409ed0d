-- A worker that crashes on its first attempts, deterministically: even
-- workers fail once, worker 3 fails twice. Then it reports to its supervisor.
return function(supervisor, id, attempt)
  if (id % 2 == 0 and attempt < 2) or (id == 3 and attempt < 3) then
    error(("simulated crash of worker %d"):format(id), 0)
  end
  process.send(supervisor, "done", id, attempt)
  return id
end
