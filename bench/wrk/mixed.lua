-- A mixed workload: 80% get_room_info, 10% update_room_info, 5% create_room, 5% get_room_list (deep page).
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done

function request()
  local roll = math.random(1, 100)
  if roll <= 80 then
    return c.post("get_room_info", '{"RoomId":"' .. c.random_room() .. '"}')
  elseif roll <= 90 then
    return c.post(
      "update_room_info",
      '{"RoomInfo":{"RoomId":"' .. c.random_room() .. '","ActivityStatus":' .. math.random(0, 9) .. '}}'
    )
  elseif roll <= 95 then
    return c.post("create_room", '{"RoomInfo":{"RoomId":"' .. c.new_room_id() .. '","RoomType":"Live"}}')
  end
  return c.post("get_room_list", '{"Next":"' .. c.random_cursor() .. '","Count":20}')
end
