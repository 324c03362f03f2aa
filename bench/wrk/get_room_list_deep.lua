-- get_room_list, a random deep page: Next is one of the cursors bench/run.py captured by walking the list.
local c = require("common")
setup, response, done = c.setup, c.response, c.done

init, request = c.pool(function()
  return c.post("get_room_list", '{"Next":"' .. c.random_cursor() .. '","Count":20}')
end)
