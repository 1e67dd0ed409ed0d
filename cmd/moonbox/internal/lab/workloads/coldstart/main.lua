-- coldstart: the first process of a new tenant answers at once.
return function() return "ready" end
