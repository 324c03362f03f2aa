-- get_room_list, first page (Next "", Count 20).
local c = require("common")
setup, init, response, done = c.setup, c.init, c.response, c.done

function request()
  return c.post("get_room_list", '{"Next":"","Count":20}')
end
