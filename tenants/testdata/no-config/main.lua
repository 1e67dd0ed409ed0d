return function() print("a bundle without tenant.yaml") end
