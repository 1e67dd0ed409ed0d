return function() print("minimal") end
