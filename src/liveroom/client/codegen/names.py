"""How commands and fields get their Python names: tables for today's commands, rules for the ones added later.

``NAMES`` gives the group and method of the commands known today; a command added later gets a group from its
service (or a noun in its name) and its command name minus that noun, until ``NAMES`` says otherwise.
"""

from __future__ import annotations

import keyword
import re

from liveroom.api.registry import Command

NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("live_engine_http_srv", "create_room"): ("rooms", "create"),
    ("live_engine_http_srv", "get_room_info"): ("rooms", "get_info"),
    ("live_engine_http_srv", "update_room_info"): ("rooms", "update"),
    ("live_engine_http_srv", "destroy_room"): ("rooms", "destroy"),
    ("live_engine_http_srv", "get_room_list"): ("rooms", "list"),
    ("live_engine_http_srv", "get_room_stats"): ("rooms", "stats"),
    ("live_engine_http_srv", "change_room_owner"): ("rooms", "change_owner"),
    ("live_engine_http_srv", "get_room_metadata"): ("metadata", "get"),
    ("live_engine_http_srv", "set_room_metadata"): ("metadata", "set"),
    ("live_engine_http_srv", "del_room_metadata"): ("metadata", "delete"),
    ("live_engine_http_srv", "get_admin_list"): ("members", "list_admins"),
    ("live_engine_http_srv", "modify_admin"): ("members", "modify_admins"),
    ("live_engine_http_srv", "ban_member"): ("members", "ban"),
    ("live_engine_http_srv", "unban_member"): ("members", "unban"),
    ("live_engine_http_srv", "get_banned_member_list"): ("members", "list_banned"),
    ("live_engine_http_srv", "mute_member"): ("members", "mute"),
    ("live_engine_http_srv", "get_muted_member_list"): ("members", "list_muted"),
    ("live_engine_http_srv", "send_text_msg"): ("messages", "send_text"),
    ("live_engine_http_srv", "send_custom_msg"): ("messages", "send_custom"),
    ("live_engine_http_srv", "copy_default_gift_config"): ("gifts", "copy_default_config"),
    ("live_engine_http_srv", "get_gift_info_list"): ("gifts", "list"),
    ("live_engine_http_srv", "get_gift_language"): ("gifts", "get_language"),
    ("live_engine_http_srv", "set_gift_language"): ("gifts", "set_language"),
    ("live_engine_http_srv", "del_gift_language"): ("gifts", "delete_language"),
    ("live_engine_http_srv", "add_gift_category"): ("gifts", "add_category"),
    ("live_engine_http_srv", "edit_gift_category"): ("gifts", "edit_category"),
    ("live_engine_http_srv", "del_gift_category"): ("gifts", "delete_category"),
    ("live_engine_http_srv", "get_gift_category"): ("gifts", "get_category"),
    ("live_engine_http_srv", "get_gift_category_language"): ("gifts", "get_category_language"),
    ("live_engine_http_srv", "set_gift_category_language"): ("gifts", "set_category_language"),
    ("live_engine_http_srv", "del_gift_category_language"): ("gifts", "delete_category_language"),
    ("live_engine_http_srv", "add_gift_category_relations"): ("gifts", "add_to_category"),
    ("live_engine_http_srv", "del_gift_category_relations"): ("gifts", "remove_from_category"),
    ("live_engine_http_srv", "get_gift_count"): ("gifts", "count"),
    ("live_engine_http_pk", "create_battle"): ("battles", "create"),
    ("live_engine_http_pk", "get_battle_info"): ("battles", "get_info"),
    ("live_engine_http_pk", "set_battle_score"): ("battles", "set_score"),
    ("room_engine_http_mic", "pick_user_on_seat"): ("seats", "pick"),
    ("room_engine_http_mic", "kick_user_off_seat"): ("seats", "kick"),
    ("room_engine_http_mic", "move_user_to_seat"): ("seats", "move"),
    ("im_open_login_svc", "account_import"): ("accounts", "import_"),
    ("im_open_login_svc", "multiaccount_import"): ("accounts", "import_many"),
    ("im_open_login_svc", "account_check"): ("accounts", "check"),
    ("im_open_login_svc", "account_delete"): ("accounts", "delete"),
}
SERVICE_GROUPS = {  # service -> (group, the noun its command names repeat)
    "im_open_login_svc": ("accounts", "account"),
    "room_engine_http_mic": ("seats", "seat"),
    "live_engine_http_pk": ("battles", "battle"),
    "live_config": ("config", "callback"),
}
# For live_engine_http_srv: the first noun found in the command name picks the group.
NOUN_GROUPS = (
    ("metadata", "metadata"),
    ("robot", "robots"),
    ("gift", "gifts"),
    ("msg", "messages"),
    ("member", "members"),
    ("admin", "members"),
    ("room", "rooms"),
)
GROUP_DOCS = {
    "accounts": "Accounts (``im_open_login_svc``): import, check and delete UserIDs.",
    "metadata": "Room metadata: custom key/values stored with a room.",
    "rooms": "Rooms: create, read, change, list and dismiss live rooms.",
    "members": "Room members: admins, bans and mutes.",
    "seats": "Seats (``room_engine_http_mic``).",
    "messages": "Messages the app backend sends into a room.",
    "robots": "Robots: imported accounts that sit in a room as members.",
    "gifts": "Gifts: the app's gift configuration (gifts, categories, languages), sending gifts and counting them.",
    "battles": "Battles (``live_engine_http_pk``): rooms compete for a fixed time; read and set their scores.",
}
# Argument defaults that make the common call short; the server's own defaults apply to everything else.
DEFAULTS: dict[tuple[str, str], str] = {("create_room", "RoomType"): '"Live"'}
# Argument names that read better than the wire name's snake_case (the model field keeps the wire-derived name).
PARAM_NAMES = {
    "CheckItem": "user_ids",
    "DeleteItem": "user_ids",
    "MemberList_Account": "accounts",
    "Admin_Account": "admins",
    "RobotList_Account": "robots",
    "ReceiverList_Account": "receivers",
    "GiftIdList": "gift_ids",
}
RESERVED = frozenset({"to_wire", "wire_names", "self"})


def snake(wire: str) -> str:
    """``Owner_Account`` -> ``owner_account``, ``UserID`` -> ``user_id``, ``CoverURL`` -> ``cover_url``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", wire)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    name = re.sub(r"_+", "_", name).strip("_").lower()
    if keyword.iskeyword(name) or name in RESERVED:
        name += "_"
    return name


def python_name(command: Command) -> tuple[str, str]:
    """``(group, method)`` of a command: ``NAMES``, else derived (``add_robot`` -> ``robots.add``)."""
    known = NAMES.get((command.service, command.name))
    if known is not None:
        return known
    group, noun = SERVICE_GROUPS.get(command.service, ("", ""))
    words = [w for w in command.name.split("_") if w != "room"] or [command.name]
    if not group:
        group = command.service.removesuffix("_srv")
        for noun, group_name in NOUN_GROUPS:
            if noun in words:
                group = group_name
                break
        else:
            noun = ""
    if len(words) == 2 and words[1] == noun:  # add_robot -> add
        words = words[:1]
    elif len(words) >= 3 and words[0] == "get" and words[-1] == "list":  # get_banned_member_list -> list_banned
        words = ["list", *(w for w in words[1:-1] if w != noun)]
    if words[0] == "del":
        words[0] = "delete"
    return group, snake("_".join(words))
