-- api prices a basket: {items = [{price = 2.5, qty = 2}, ...]} → {items, net,
-- vat, total}, and tells the ledger. "version" says which code runs (the
-- walk-through redeploys it). CANCEL ends it.
local VERSION = 1

local function quote(basket, rate)
  if type(basket) ~= "table" or type(basket.items) ~= "table" then
    return nil, errors.new("INVALID", "want {items = [{price, qty}, ...]}")
  end
  local net, n = 0, 0
  for _, it in ipairs(basket.items) do
    net = net + (tonumber(it.price) or 0) * (tonumber(it.qty) or 1)
    n = n + 1
  end
  local vat = math.floor(net * rate * 100 + 0.5) / 100
  return {items = n, net = net, vat = vat, total = net + vat}
end

local function handle(msg, rate)
  local topic = msg:topic()
  if topic == "quote" then
    local q, err = quote(msg:payload(), rate)
    process.send(msg:from(), "reply", q or err)
    if q then process.send("ledger", "sale", q.total) end
  elseif topic == "version" then
    process.send(msg:from(), "reply", {version = VERSION})
  else
    process.send(msg:from(), "reply", errors.new("NOT_FOUND", "no topic " .. topic))
  end
end

return function(rate)
  local inbox, events = process.inbox(), process.events()
  while true do
    local r = channel.select{inbox:case_receive(), events:case_receive()}
    if r.channel == events then
      if r.value.kind == process.event.CANCEL then return "cancelled" end
    else
      handle(r.value, rate)
    end
  end
end
