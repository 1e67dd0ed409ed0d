-- crashloop fails as it starts: its supervisor backs off and gives up.
return function() error("I always crash") end
