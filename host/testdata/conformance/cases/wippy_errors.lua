-- SPEC Errors (as in Wippy): the kinds are strings (CONFLICT too); err:retryable() (true, false or nil) and err:details() (a table or nil); errors.new{message, kind, retryable, details} and errors.wrap(err, message); an error object crosses whole (kind, message, retryable, details) in messages, spawn arguments, exit values and process.call's error.
local check = require("lib.check")

-- whole checks every part of an error object.
local function whole(e, kind, msg, retryable, details, what)
  check.eq(check.kind_of(e), kind, what .. ": kind")
  check.eq(e:message(), msg, what .. ": message")
  check.eq(e:retryable(), retryable, what .. ": retryable")
  check.same(e:details(), details, what .. ": details")
end

return function()
  local me = process.pid()
  for _, k in ipairs({ "INVALID", "NOT_FOUND", "PERMISSION_DENIED", "ALREADY_EXISTS", "UNAVAILABLE",
    "INTERNAL", "CANCELED", "TIMEOUT", "RATE_LIMITED", "UNKNOWN", "CONFLICT" }) do
    check.eq(errors[k], k, "errors." .. k .. " is the string")
  end

  -- errors.new, Wippy's table form.
  local e = check.must(errors.new({ message = "user not found", kind = errors.NOT_FOUND, retryable = false,
    details = { user_id = 123, path = { "a", "b" } } }))
  whole(e, "NOT_FOUND", "user not found", false, { user_id = 123, path = { "a", "b" } }, "errors.new{...}")
  e:details().user_id = 0
  check.eq(e:details().user_id, 123, "details() is a copy: the error cannot be changed")
  check.eq(tostring(e), "user not found", "tostring(err) is the message")
  whole(check.must(errors.new({ message = "m" })), "UNKNOWN", "m", nil, nil, "errors.new{message}")
  whole(check.must(errors.new({ message = "busy", kind = errors.UNAVAILABLE, retryable = true })),
    "UNAVAILABLE", "busy", true, nil, "retryable = true")
  whole(check.must(errors.new("plain")), "UNKNOWN", "plain", nil, nil, "errors.new(message)")
  whole(check.must(errors.new("CONFLICT", "version 3 is not 4")), "CONFLICT", "version 3 is not 4", nil, nil, "errors.new(kind, message)")
  -- Runtime errors say nothing about retrying.
  local _, nf = process.send("no-such-name", "x")
  whole(nf, "NOT_FOUND", nf:message(), nil, nil, "a runtime error")

  -- errors.wrap keeps kind, retryable and details.
  local w = check.must(errors.wrap(e, "loading the profile"))
  whole(w, "NOT_FOUND", "loading the profile: user not found", false, { user_id = 123, path = { "a", "b" } }, "errors.wrap")
  check.eq(errors.is(w, errors.NOT_FOUND), true, "errors.is of a wrapped error")
  whole(check.must(errors.wrap(w, "request 7")), "NOT_FOUND", "request 7: loading the profile: user not found", false,
    { user_id = 123, path = { "a", "b" } }, "wrap twice")
  whole(check.must(errors.wrap("disk full", "saving")), "UNKNOWN", "saving: disk full", nil, nil, "wrap of a string")
  check.eq(errors.wrap(nil, "nothing failed"), nil, "wrap of nil is nil")

  -- Bad arguments.
  check.err("INVALID", "errors.new()", errors.new())
  check.err("INVALID", "errors.new(5)", errors.new(5))
  check.err("INVALID", "errors.new{}", errors.new({}))
  check.err("INVALID", "errors.new{message = 5}", errors.new({ message = 5 }))
  check.err("INVALID", "errors.new with an unknown kind", errors.new({ message = "m", kind = "NOPE" }))
  check.err("INVALID", "errors.new with kind 5", errors.new({ message = "m", kind = 5 }))
  check.err("INVALID", "errors.new with retryable \"yes\"", errors.new({ message = "m", retryable = "yes" }))
  check.err("INVALID", "errors.new with details 5", errors.new({ message = "m", details = 5 }))
  check.err("INVALID", "errors.new with a function in details", errors.new({ message = "m", details = { f = print } }))
  check.err("INVALID", "errors.new(kind, message) with an unknown kind", errors.new("NOPE", "m"))
  check.err("INVALID", "errors.wrap(err, 5)", errors.wrap(e, 5))

  -- Whole across a message, nested in a table too.
  local r = check.must(errors.new({ message = "try later", kind = errors.RATE_LIMITED, retryable = true, details = { after_ms = 250 } }))
  check.must(process.send(me, "err", r, { inner = r }))
  local got, box = check.msg("err")
  whole(got, "RATE_LIMITED", "try later", true, { after_ms = 250 }, "an error object received")
  whole(box.inner, "RATE_LIMITED", "try later", true, { after_ms = 250 }, "an error object in a table received")

  -- Whole as a spawn argument and a normal exit value.
  local pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "value", r))
  whole(check.exit(pid).result.value, "RATE_LIMITED", "try later", true, { after_ms = 250 }, "an exit value")
  -- Whole as process.call's error: returned, and raised.
  local v, ce = process.call("lib:exits", check.HOST, "nil_err", r)
  check.eq(v, nil, "call of a process returning nil, err")
  whole(ce, "RATE_LIMITED", "try later", true, { after_ms = 250 }, "call: return nil, err")
  v, ce = process.call("lib:exits", check.HOST, "error", w)
  whole(ce, "NOT_FOUND", "loading the profile: user not found", false, { user_id = 123, path = { "a", "b" } }, "call: error(err)")
  -- An EXIT event's result.error stays the message (SPEC: {error = "message"}).
  pid = check.must(process.spawn_monitored("lib:exits", check.HOST, "error", r))
  check.eq(check.exit(pid).result.error, "try later", "EXIT result.error is the message")
  -- Retryable-only, no details: the long form with null details.
  v, ce = process.call("lib:exits", check.HOST, "nil_err", errors.new({ message = "m", retryable = false }))
  whole(ce, "UNKNOWN", "m", false, nil, "retryable = false without details")
  return true
end
