-- idle: block on the inbox forever (the bench never writes to it).
return function() process.inbox():receive() end
