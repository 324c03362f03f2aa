-- get_room_info of a random seeded room.
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done

function request()
  return c.post("get_room_info", '{"RoomId":"' .. c.random_room() .. '"}')
end
