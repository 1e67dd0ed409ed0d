-- hog spawns spinners that cpu_total kills (limit kills, a few a second).
return function()
  while true do
    process.spawn("app:spin", "app:processes")
    time.sleep(250)
  end
end
