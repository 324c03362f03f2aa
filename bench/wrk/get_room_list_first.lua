-- get_room_list, first page (Next "", Count 20).
local c = require("common")
setup, response, done = c.setup, c.response, c.done

init, request = c.pool(function()
  return c.post("get_room_list", '{"Next":"","Count":20}')
end)
