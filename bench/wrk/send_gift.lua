-- send_gift of a default gift (bench/run.py installed them) in a random seeded room, Count 1..10, from one of the
-- 1,000 imported fans (fan-0 ...) to the room's owner.
local c = require("common")
setup, response, done = c.setup, c.response, c.done

local gifts = {
  "heart", "applause", "rose", "lollipop", "coffee", "balloon", "ice-cream", "cake", "fireworks", "rainbow",
  "crown", "diamond", "sports-car", "yacht", "rocket",
}

init, request = c.pool(function()
  return c.post(
    "send_gift",
    '{"RoomId":"' .. c.random_room() .. '","GiftId":"' .. gifts[math.random(1, #gifts)] .. '","Count":'
      .. math.random(1, 10) .. ',"From_Account":"fan-' .. math.random(0, 999)
      .. '","ReceiverList_Account":["administrator"]}'
  )
end)
