-- update_room_info of a random seeded room: name and activity status change.
local c = require("common")
setup, response, done = c.setup, c.response, c.done

init, request = c.pool(function()
  return c.post(
    "update_room_info",
    '{"RoomInfo":{"RoomId":"' .. c.random_room() .. '","RoomName":"renamed ' .. math.random(0, 999999)
      .. '","ActivityStatus":' .. math.random(0, 9) .. '}}'
  )
end)
