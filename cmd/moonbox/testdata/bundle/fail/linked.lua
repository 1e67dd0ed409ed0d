-- A linked child's abnormal exit takes this process down too.
return function()
  assert(process.spawn_linked("fail:errobj", "app:processes"))
  process.inbox():receive() -- the link failure ends the wait
  return "unreachable"
end
