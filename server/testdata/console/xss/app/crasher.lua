-- crasher spawns children that fail with markup in their error, one every
-- 300 ms: the tenant page lists them as abnormal exits.
return function()
  -- markup that runs if a page ever parses it: each sets window.__pwned
  local payloads = {
    '<script>window.__pwned = "script"</script>',
    '"><img src=x onerror="window.__pwned=\'img\'">',
    "'><svg onload=window.__pwned='svg'>",
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    '</td></tr></table><b id=pwned>bold</b>',
  }
  local i = 0
  while true do
    i = i % #payloads + 1
    process.spawn("app:fail", "app:processes", payloads[i])
    time.sleep(300)
  end
end
