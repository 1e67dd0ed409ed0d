-- SPEC Inbox, events, topics: process.listen(topic, {message = bool}) → channel of raw payloads or Message objects; waiting messages of that topic go to the listener; listening again returns the same channel; unlisten(ch) closes it and later messages go to the inbox again.
local check = require("lib.check")

return function()
  local me = process.pid()
  -- Messages that arrive before listen (and before inbox()) wait for it.
  check.must(process.send(me, "early", "first"))
  check.must(process.send(me, "other", "to the inbox"))
  check.must(process.send(me, "early", "second"))
  time.sleep(20)
  local early = process.listen("early")
  check.eq(check.recv(early, "first early message"), "first", "listener gets waiting messages in order")
  check.eq(check.recv(early, "second early message"), "second", "listener gets waiting messages in order")
  check.eq(check.msg("other"), "to the inbox", "other topics stay in the inbox")

  -- Raw payloads.
  check.must(process.send(me, "early", { k = "v" }))
  local t = check.recv(early, "a table payload")
  check.eq(type(t), "table", "raw payload type")
  check.eq(t.k, "v", "raw payload")
  check.must(process.send(me, "early", 42))
  check.eq(check.recv(early, "number payload"), 42, "raw number payload")

  -- Message objects.
  local full = process.listen("full", { message = true })
  check.must(process.send(me, "full", "p", 2))
  local m = check.recv(full, "a Message from the message = true listener")
  check.eq(m:topic(), "full", "listener Message topic")
  check.eq(m:from(), me, "listener Message from")
  local p1, p2 = m:payload()
  check.eq(p1, "p"); check.eq(p2, 2)
  check.none(process.inbox(), "message that belongs to a listener", 20)

  -- message = false is raw.
  local raw = process.listen("raw", { message = false })
  check.must(process.send(me, "raw", "r"))
  check.eq(check.recv(raw, "raw payload"), "r", "message = false listener")

  -- Listening again to the same topic returns the same channel (as in Wippy);
  -- asking for the other delivery form is INVALID (cases/wippy_listen_again).
  assert(rawequal(process.listen("early"), early), "second listen on the same topic returns the same channel")
  check.err("INVALID", "second listen asking for Message objects", process.listen("early", { message = true }))

  -- unlisten closes the channel; the topic goes to the inbox again.
  check.eq(process.unlisten(early), true, "unlisten")
  local v, ok = check.recv(early, "receive on the closed listener")
  check.eq(v, nil, "receive on an unlistened channel")
  check.eq(ok, false, "receive on an unlistened channel: ok")
  check.must(process.send(me, "early", "after unlisten"))
  check.eq(check.msg("early"), "after unlisten", "message after unlisten goes to the inbox")
  local r, err = process.unlisten(early)
  check.eq(r, nil, "unlisten twice must fail")
  assert(check.kind_of(err), "unlisten twice must return an error object")
  r, err = process.unlisten(channel.new())
  check.eq(r, nil, "unlisten of a channel that is not a listener must fail")
  assert(check.kind_of(err), "unlisten of a foreign channel must return an error object")

  -- Listening again after unlisten works.
  local again = process.listen("early")
  check.must(process.send(me, "early", "again"))
  check.eq(check.recv(again, "listener after re-listen"), "again", "re-listen")

  -- A listener in a coroutine.spawn sibling while main reads the inbox.
  local sib = process.listen("sib")
  local got = channel.new(1)
  coroutine.spawn(function() got:send(sib:receive()) end)
  check.must(process.send(me, "sib", "for the sibling"))
  check.must(process.send(me, "main", "for main"))
  check.eq(check.msg("main"), "for main", "main's inbox")
  check.eq(check.recv(got, "the sibling's listener"), "for the sibling", "sibling's listener")

  -- Bad arguments.
  for _, c in ipairs({ { "no topic", nil }, { "empty topic", "" }, { "@topic", "@x" }, { "number topic", 5 }, { "table topic", {} } }) do
    check.err("INVALID", "listen with " .. c[1], process.listen(c[2]))
  end
  check.err("INVALID", "listen with string options", process.listen("opt", "message"))
  check.err("INVALID", "listen with number options", process.listen("opt2", 5))
  check.err("INVALID", "unlisten()", process.unlisten())
  check.err("INVALID", "unlisten(\"early\")", process.unlisten("early"))
  return true
end
