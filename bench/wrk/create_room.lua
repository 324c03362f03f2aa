-- create_room with a RoomId no request has used (prefix from bench/run.py, thread id, counter).
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done

function request()
  return c.post(
    "create_room",
    '{"RoomInfo":{"RoomId":"' .. c.new_room_id() .. '","RoomType":"Live","RoomName":"bench","Notice":"hi"}}'
  )
end
