return function(msg) error(msg, 0) end
