-- Exits the way its first argument says: "value" returns the second
-- argument, "error" raises it, "nil_err" returns nil, errors.new(...).
return function(how, arg)
  if how == "value" then return arg end
  if how == "error" then error(arg) end
  if how == "nil_err" then return nil, errors.new("NOT_FOUND", arg) end
  if how == "wait" then process.inbox():receive() return "released" end
  error("exit_with: unknown mode " .. tostring(how))
end
