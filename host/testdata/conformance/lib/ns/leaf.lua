-- The process lib.ns:leaf (dotted namespace = nested directory).
return function() return process.id() end
