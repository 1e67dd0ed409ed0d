-- tries the host's kv service without permission
return function()
  return process.call("kv", "app:processes", "get", "secret")
end
