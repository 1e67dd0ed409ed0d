-- SPEC Errors: a global errors module with the kinds; failing calls return nil, err with err:kind(), err:message(), tostring(err), errors.is(err, kind).
local check = require("lib.check")

return function()
  for _, k in ipairs({ "INVALID", "NOT_FOUND", "PERMISSION_DENIED", "ALREADY_EXISTS", "UNAVAILABLE",
    "INTERNAL", "CANCELED", "TIMEOUT", "RATE_LIMITED", "UNKNOWN" }) do
    check.eq(errors[k], k, "errors." .. k)
  end

  local v, err = process.send("no-process-has-this-name", "hello")
  check.eq(v, nil, "failed send's first result")
  check.eq(type(err), "userdata", "a failed call's error is an error object")
  check.eq(err:kind(), "NOT_FOUND", "err:kind()")
  check.eq(err:kind(), errors.NOT_FOUND, "err:kind() equals the errors constant")
  assert(type(err:message()) == "string" and err:message() ~= "", "err:message() must be a non-empty string")
  check.contains(tostring(err), err:message(), "tostring(err)")
  check.eq(errors.is(err, errors.NOT_FOUND), true, "errors.is(err, NOT_FOUND)")
  check.eq(errors.is(err, errors.INVALID), false, "errors.is(err, INVALID)")
  check.eq(errors.is("NOT_FOUND", errors.NOT_FOUND), false, "errors.is on a string")
  check.eq(errors.is(nil, errors.NOT_FOUND), false, "errors.is on nil")
  check.eq(errors.is({}, errors.NOT_FOUND), false, "errors.is on a table")

  local _, inv = process.send()
  check.eq(inv:kind(), "INVALID", "send() kind")
  check.eq(errors.is(inv, "INVALID"), true, "errors.is with the kind's name")

  -- errors.new makes error objects programs can return, raise and send.
  local e = errors.new("TIMEOUT", "too slow")
  check.eq(e:kind(), "TIMEOUT", "errors.new kind")
  check.eq(e:message(), "too slow", "errors.new message")
  check.contains(tostring(e), "too slow", "tostring of errors.new")
  local ok, raised = pcall(error, e)
  check.eq(ok, false, "pcall(error, e)")
  check.eq(check.kind_of(raised), "TIMEOUT", "a raised error object is caught unchanged")
  -- Error objects share one metatable in an instance: it must stay hidden,
  -- or one process could change every other process's errors.
  assert(type(getmetatable(e)) ~= "table", "getmetatable(err) must not expose the shared metatable")
  return true
end
