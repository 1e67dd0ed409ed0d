-- SPEC Exits: return nil, err (string or error object), error(...), a Lua runtime error and terminate are abnormal exits with an error message; error objects keep their kind.
local check = require("lib.check")

return function()
  local function failed(ev, what)
    check.eq(ev.result.value, nil, what .. ": EXIT result.value")
    assert(type(ev.result.error) == "string" and ev.result.error ~= "",
      what .. ": EXIT result.error must be a non-empty message, got " .. check.show(ev.result.error))
    return ev.result.error
  end

  check.contains(failed(check.exit_of("nil_err", "plain failure"), "return nil, string"), "plain failure")
  check.eq(failed(check.exit_of("nil_err_obj", "NOT_FOUND", "no such thing"), "return nil, error object"),
    "no such thing", "message of a returned error object")
  check.contains(failed(check.exit_of("error", "boom"), "error(string)"), "boom")
  check.eq(failed(check.exit_of("error_obj", "PERMISSION_DENIED", "go away"), "error(error object)"),
    "go away", "message of a raised error object")
  failed(check.exit_of("error_table"), "error(table)")
  failed(check.exit_of("error_nil"), "error()")
  check.contains(failed(check.exit_of("runtime"), "indexing nil"), "field")
  failed(check.exit_of("arith"), "arithmetic on a table")
  check.eq(failed(check.exit_of("terminate_self"), "process.terminate(self)"), "terminated", "terminate's error")
  check.contains(failed(check.exit_of("coroutine_error"), "error in a coroutine.spawn sibling"), "sibling boom")

  -- The kind survives the exit: process.call hands back the child's error object.
  local e = check.call_err("nil_err_obj", "NOT_FOUND", "no such thing")
  check.eq(e:kind(), "NOT_FOUND", "kind of a returned error object")
  check.eq(e:message(), "no such thing", "message of a returned error object")
  e = check.call_err("error_obj", "PERMISSION_DENIED", "go away")
  check.eq(e:kind(), "PERMISSION_DENIED", "kind of a raised error object")
  check.eq(e:message(), "go away", "message of a raised error object")
  e = check.call_err("error_obj", "TIMEOUT", "slow")
  check.eq(e:kind(), "TIMEOUT", "kind TIMEOUT survives")
  -- Decision: an error that is not an error object (a string, a runtime
  -- error) has kind UNKNOWN.
  e = check.call_err("error", "boom")
  check.eq(e:kind(), "UNKNOWN", "kind of error(string)")
  check.contains(e:message(), "boom", "message of error(string)")
  e = check.call_err("nil_err", "plain failure")
  check.eq(e:kind(), "UNKNOWN", "kind of return nil, string")
  check.contains(e:message(), "plain failure", "message of return nil, string")
  e = check.call_err("runtime")
  check.contains(e:message(), "field", "message of a runtime error")
  e = check.call_err("terminate_self")
  check.eq(e:message(), "terminated", "message of a terminated process")
  return true
end
