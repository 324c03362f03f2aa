-- update_room_info of a random seeded room: name and activity status change.
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done

function request()
  return c.post(
    "update_room_info",
    '{"RoomInfo":{"RoomId":"' .. c.random_room() .. '","RoomName":"renamed ' .. math.random(0, 999999)
      .. '","ActivityStatus":' .. math.random(0, 9) .. '}}'
  )
end
