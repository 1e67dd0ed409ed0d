-- A source that returns a table with a main function. The chunk itself runs
-- once, when the process starts; main gets the spawn arguments.
local chunk_runs = 0
chunk_runs = chunk_runs + 1
return {
  main = function(...)
    return { n = select("#", ...), args = { ... }, chunk_runs = chunk_runs }
  end,
}
