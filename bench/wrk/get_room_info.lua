-- get_room_info of a random seeded room.
local c = require("common")
setup, response, done = c.setup, c.response, c.done

init, request = c.pool(function()
  return c.post("get_room_info", '{"RoomId":"' .. c.random_room() .. '"}')
end)
