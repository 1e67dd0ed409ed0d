-- stats: summary of a list of durations in seconds (sorts it in place).
return function(lat, n)
  table.sort(lat)
  local function pct(p)
    local i = math.ceil(p * n)
    if i < 1 then i = 1 end
    return lat[i]
  end
  return { p50 = pct(0.50), p90 = pct(0.90), p99 = pct(0.99), min = lat[1], max = lat[n] }
end
