-- prober asks for what its policy refuses, with markup as the resource:
-- the tenant page lists the denials.
return function()
  -- markup that runs if a page ever parses it: each sets window.__pwned
  local payloads = {
    '<script>window.__pwned = "script"</script>',
    '"><img src=x onerror="window.__pwned=\'img\'">',
    "'><svg onload=window.__pwned='svg'>",
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '</td></tr></table><b id=pwned>bold</b>',
  }
  while true do
    for _, p in ipairs(payloads) do
      process.call(p, "app:processes")
      process.send(p, "topic")
      time.sleep(200)
    end
  end
end
