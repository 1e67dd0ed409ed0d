return function() error("crashing on start") end
