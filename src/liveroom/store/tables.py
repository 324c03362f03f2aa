"""The schema, as SQLAlchemy Core tables: the one definition both SQLite and PostgreSQL are migrated to."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData()


def _ident(length: int) -> String:
    """Room and account ids compare byte-wise in every database (get_room_list orders by RoomId bytes)."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


apps = Table(
    "apps",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("secret_key", Text, nullable=False),
    Column("enabled", Boolean, nullable=False, server_default=text("true")),
    Column("created_at", BigInteger, nullable=False),
    Column("member_quota", Integer, nullable=False),
    Column("seat_quota", Integer, nullable=False),
    Column("rate_limits_enabled", Boolean, nullable=False, server_default=text("true")),
    # JSON object {command: calls per second} overriding the catalogue's defaults.
    Column("rate_limit_overrides", Text, nullable=False, server_default="{}"),
    # Before-callbacks that time out or fail allow the action instead of refusing it.
    Column("callback_fail_open", Boolean, nullable=False, server_default=text("false")),
    # Each gift's coins add to the score of its room in the battle the room takes part in (decisions.md 10).
    Column("gift_battle_scores", Boolean, nullable=False, server_default=text("false")),
)

app_admins = Table(
    "app_admins",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("identifier", _ident(32), primary_key=True),
)

# One row; its version moves on every change to apps or admins so that other processes reload them.
app_state = Table(
    "app_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("user_id", _ident(32), primary_key=True),
    Column("nick", Text, nullable=False, server_default=""),
    Column("face_url", Text, nullable=False, server_default=""),
    Column("created_at", BigInteger, nullable=False),
)

rooms = Table(
    "rooms",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("room_name", Text, nullable=False),
    Column("room_type", String(16), nullable=False),
    Column("owner_account", _ident(32), nullable=False),
    Column("create_time", BigInteger, nullable=False),
    Column("is_seat_enabled", Boolean, nullable=False),
    Column("seat_template", Text, nullable=False, server_default=""),
    Column("seat_layout_template_id", BigInteger, nullable=True),
    Column("take_seat_mode", String(16), nullable=False),
    Column("max_seat_count", Integer, nullable=False),
    Column("max_member_count", Integer, nullable=False),
    Column("is_message_disabled", Boolean, nullable=False),
    Column("is_public_visible", Boolean, nullable=False),
    Column("is_unlimited_room_enabled", Boolean, nullable=False, server_default=text("false")),
    Column("cover_url", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("activity_status", BigInteger, nullable=False),
    Column("notice", Text, nullable=False),
    Column("view_count", BigInteger, nullable=False, server_default="0"),
    # Negated copies of the list order (ViewCount desc, CreateTime desc) so that one ascending index and one
    # row-value comparison serve get_room_list's keyset paging in both databases.
    Column("sort_views", BigInteger, nullable=False, server_default="0"),
    Column("sort_created", BigInteger, nullable=False),
    Column("total_gifts_sent", BigInteger, nullable=False, server_default="0"),
    Column("total_gift_coins", BigInteger, nullable=False, server_default="0"),
    Column("total_unique_gift_senders", BigInteger, nullable=False, server_default="0"),
    Column("total_likes_received", BigInteger, nullable=False, server_default="0"),
    Column("total_msg_count", BigInteger, nullable=False, server_default="0"),
    # One more per send_gift in the room: get_gift_count's Sequence, and the order of the gift events.
    Column("gift_sequence", BigInteger, nullable=False, server_default="0"),
)

Index(
    "rooms_public_order",
    rooms.c.sdkappid,
    rooms.c.sort_views,
    rooms.c.sort_created,
    rooms.c.room_id,
    sqlite_where=rooms.c.is_public_visible,
    postgresql_where=rooms.c.is_public_visible,
)

room_metadata = Table(
    "room_metadata",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("key", _ident(50), primary_key=True),
    Column("value", Text, nullable=False),
)

room_bans = Table(
    "room_bans",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("member_account", _ident(32), primary_key=True),
    Column("banned_until", BigInteger, nullable=False),
    Column("reason", Text, nullable=False, server_default=""),
)

room_admins = Table(
    "room_admins",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("member_account", _ident(32), primary_key=True),
)

room_mutes = Table(
    "room_mutes",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("member_account", _ident(32), primary_key=True),
    Column("muted_until", BigInteger, nullable=False),
)

# One row per seat of a room with seats; member_account NULL is a free seat.
room_seats = Table(
    "room_seats",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("seat_index", Integer, primary_key=True, autoincrement=False),
    Column("member_account", _ident(32), nullable=True),
    Column("is_taken_disabled", Boolean, nullable=False, server_default=text("false")),
    Column("is_video_disabled", Boolean, nullable=False, server_default=text("false")),
    Column("is_audio_disabled", Boolean, nullable=False, server_default=text("false")),
    # The owner or an admin closed the microphone of the seat's guest (close_microphone); a new guest's is open.
    Column("is_microphone_closed", Boolean, nullable=False, server_default=text("false")),
)

room_robots = Table(
    "room_robots",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("member_account", _ident(32), primary_key=True),
)

# Who has sent a gift in a room: TotalUniqueGiftSenders counts the rows. Written by every gift, so in SQLite a
# table without rowid: one B-tree to insert into instead of the table and its primary key index.
room_gift_senders = Table(
    "room_gift_senders",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("sender_account", _ident(32), primary_key=True),
    sqlite_with_rowid=False,
)

# The gift configuration of an app (decisions.md section 9): gifts, categories, their names in other languages and
# which gifts each category holds.
gifts = Table(
    "gifts",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("gift_id", _ident(20), primary_key=True),
    Column("icon_url", Text, nullable=False),
    Column("resource_url", Text, nullable=False),
    Column("coins", BigInteger, nullable=False),
    Column("level", BigInteger, nullable=False),
    Column("extension_info", Text, nullable=False),
    Column("default_name", Text, nullable=False),
    Column("default_desc", Text, nullable=False),
    Column("create_time", BigInteger, nullable=False),
)

gift_languages = Table(
    "gift_languages",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("gift_id", _ident(20), primary_key=True),
    Column("language", _ident(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
)

gift_categories = Table(
    "gift_categories",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("category_id", _ident(20), primary_key=True),
    Column("default_name", Text, nullable=False),
    Column("default_desc", Text, nullable=False),
    Column("create_time", BigInteger, nullable=False),
)

gift_category_languages = Table(
    "gift_category_languages",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("category_id", _ident(20), primary_key=True),
    Column("language", _ident(16), primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
)

gift_category_relations = Table(
    "gift_category_relations",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("category_id", _ident(20), primary_key=True),
    Column("gift_id", _ident(20), primary_key=True),
)

# Battles (decisions.md section 10). ``end_ms`` is when the battle ends: its deadline while it runs (any node ends a
# running battle once ``end_ms`` has passed, by a conditional UPDATE), the time it ended once it has. ``status`` 2
# running, 3 ended; ``end_reason`` the EndBattle OpType (0 time up, 1 all others left, 2 nobody joined).
battles = Table(
    "battles",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("battle_id", _ident(64), primary_key=True),
    Column("from_room_id", _ident(48), nullable=False),
    Column("operator", _ident(32), nullable=False),
    Column("duration_ms", BigInteger, nullable=False),
    Column("extension_info", Text, nullable=False),
    Column("create_ms", BigInteger, nullable=False),
    Column("start_ms", BigInteger, nullable=False),
    Column("end_ms", BigInteger, nullable=False),
    Column("status", Integer, nullable=False),
    Column("end_reason", Integer, nullable=True),
)

Index(
    "battles_running_end",
    battles.c.end_ms,
    sqlite_where=battles.c.status < 3,
    postgresql_where=battles.c.status < 3,
)

# The rooms of a battle, the initiator's at position 0; a room that left (dismissed, exited) keeps its score.
battle_rooms = Table(
    "battle_rooms",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("battle_id", _ident(64), primary_key=True),
    Column("room_id", _ident(48), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("owner_account", _ident(32), nullable=False),
    Column("score", BigInteger, nullable=False, server_default="0"),
    Column("has_left", Boolean, nullable=False, server_default=text("false")),
)

Index("battle_rooms_room", battle_rooms.c.sdkappid, battle_rooms.c.room_id)

# Co-hosting (decisions.md section 10). Rooms connected together share a ``group_id`` (at most 9 rooms a group); a
# room is in one group at most. A room leaves its group when it disconnects or is dismissed (the dismissal tells the
# other rooms, so the row outlives the room's other rows until then). ``owner_gone_ms``: the owner left the room
# and, unless back before then (Unix ms), the room leaves its group (any node, once); NULL while the owner is in.
room_connections = Table(
    "room_connections",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("group_id", _ident(64), nullable=False),
    Column("owner_account", _ident(32), nullable=False),
    Column("connected_ms", BigInteger, nullable=False),
    Column("owner_gone_ms", BigInteger, nullable=True),
)

Index("room_connections_group", room_connections.c.sdkappid, room_connections.c.group_id)
Index("room_connections_owner_gone", room_connections.c.owner_gone_ms)

# A connection request waiting for its answer until ``deadline_ms`` (Unix ms); any node times it out once, by a
# DELETE that hands each request to one transaction.
connection_requests = Table(
    "connection_requests",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("from_room_id", _ident(48), primary_key=True),
    Column("to_room_id", _ident(48), primary_key=True),
    Column("inviter", _ident(32), nullable=False),
    Column("invitee", _ident(32), nullable=False),
    Column("extension_info", Text, nullable=False),
    Column("deadline_ms", BigInteger, nullable=False),
)

Index("connection_requests_to", connection_requests.c.sdkappid, connection_requests.c.to_room_id)
Index("connection_requests_deadline", connection_requests.c.deadline_ms)

# A battle request (NeedResponse) waiting for the invited rooms' answers until ``deadline_ms``; the battle starts,
# with the rooms that accepted, when every room has answered or the deadline has passed.
battle_requests = Table(
    "battle_requests",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("battle_id", _ident(64), primary_key=True),
    Column("from_room_id", _ident(48), nullable=False),
    Column("inviter", _ident(32), nullable=False),
    Column("duration_ms", BigInteger, nullable=False),
    Column("extension_info", Text, nullable=False),
    Column("timeout_ms", BigInteger, nullable=False),
    Column("deadline_ms", BigInteger, nullable=False),
)

Index("battle_requests_deadline", battle_requests.c.deadline_ms)
Index("battle_requests_from", battle_requests.c.sdkappid, battle_requests.c.from_room_id)

# The rooms a battle request invites; ``answer`` 0 none yet, 1 accepted, 2 rejected.
battle_request_rooms = Table(
    "battle_request_rooms",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("battle_id", _ident(64), primary_key=True),
    Column("room_id", _ident(48), primary_key=True),
    Column("owner_account", _ident(32), nullable=False),
    Column("answer", Integer, nullable=False, server_default="0"),
)

Index("battle_request_rooms_room", battle_request_rooms.c.sdkappid, battle_request_rooms.c.room_id)

# Pending seat requests (docs/realtime.md, Invitations and applications): a member's application for a seat
# (``kind`` application, ``operator`` the applicant) or an invitation of a member by the owner or an admin (``kind``
# invitation, ``operator`` the inviter). A row lives until it is answered, cancelled or timed out, each a DELETE
# that only one transaction can make; ``deadline_ms`` is when any node times it out.
seat_requests = Table(
    "seat_requests",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("member_account", _ident(32), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("seat_index", Integer, nullable=False),
    Column("operator", _ident(32), nullable=False),
    Column("deadline_ms", BigInteger, nullable=False),  # Unix ms
)

Index("seat_requests_deadline", seat_requests.c.deadline_ms)

# Every table keyed by (sdkappid, room_id) whose rows go when the room is destroyed.
ROOM_SCOPED = (
    room_metadata,
    room_bans,
    room_admins,
    room_mutes,
    room_seats,
    room_robots,
    room_gift_senders,
    seat_requests,
)


# Webhooks (decisions.md section 8). One callback configuration per app: the URL and commands (url NULL: none),
# and the token (NULL: never set), which outlives a deleted callback.
webhook_configs = Table(
    "webhook_configs",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("url", Text, nullable=True),
    # JSON array of CallbackCommand names.
    Column("commands", Text, nullable=False, server_default="[]"),
    Column("token", Text, nullable=True),
    Column("token_enabled", Boolean, nullable=False, server_default=text("false")),
)

# The outbox: one row per after-callback event, written in the transaction of the change. Ids only grow (SQLite's
# AUTOINCREMENT, PostgreSQL's sequence): an id is the event's X-Liveroom-Event-Id and orders a room's events.
webhook_events = Table(
    "webhook_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("sdkappid", BigInteger, nullable=False),
    Column("room_id", _ident(48), nullable=False),
    Column("command", String(64), nullable=False),
    # The typed fact (msgpack of liveroom.domain.callbacks.AnyFact); the payload is made from it when sent.
    Column("fact", LargeBinary, nullable=False),
    Column("event_time", BigInteger, nullable=False),  # Unix ms of the change
    Column("client_ip", Text, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    # Unix ms after which a failed attempt makes the event dead (24 h after the change, or after a redelivery).
    Column("expires_at", BigInteger, nullable=False),
    Column("dead", Boolean, nullable=False, server_default=text("false")),
    Column("last_error", Text, nullable=False, server_default=""),
    sqlite_autoincrement=True,
)

Index("webhook_events_room", webhook_events.c.sdkappid, webhook_events.c.room_id, webhook_events.c.id)
Index(
    "webhook_events_dead",
    webhook_events.c.id,
    sqlite_where=webhook_events.c.dead,
    postgresql_where=webhook_events.c.dead,
)

# The last attempts at delivering each app's events, kept for operators (the console's recent deliveries): what
# was sent and what the receiver answered. Written in the sender's transaction that settles the events; only the
# newest DELIVERIES_KEPT per app stay.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("sdkappid", BigInteger, nullable=False),
    Column("event_id", BigInteger, nullable=False),
    Column("room_id", _ident(48), nullable=False),
    Column("command", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),  # 1 for the first
    Column("sent_at", BigInteger, nullable=False),  # Unix ms
    Column("status", Integer, nullable=True),  # the HTTP status; NULL: no answer at all
    # The first bytes of the answer's body, or why there was no answer.
    Column("answer", Text, nullable=False),
    sqlite_autoincrement=True,
)

Index("webhook_deliveries_app", webhook_deliveries.c.sdkappid, webhook_deliveries.c.id)

# One row per room with events to send: when its head may next be tried, and who holds it (a lease that expires,
# so that a dead node's rooms are taken over). Senders claim rooms, never single events: a room's events go out
# one after the other, in id order, from one sender at a time.
webhook_queues = Table(
    "webhook_queues",
    metadata,
    Column("sdkappid", BigInteger, primary_key=True, autoincrement=False),
    Column("room_id", _ident(48), primary_key=True),
    Column("next_attempt", BigInteger, nullable=False),  # Unix ms
    Column("lease_owner", Text, nullable=False, server_default=""),
    Column("lease_until", BigInteger, nullable=False, server_default="0"),  # Unix ms
)

Index("webhook_queues_due", webhook_queues.c.next_attempt)

# Keyed by room but outliving it: a dismissed room's events are still to be delivered (and their deliveries shown
# to operators, the newest of each app kept), its score stays in the battle it took part in (it leaves the battle
# instead), and its co-hosting rows are removed by the dismissal, which tells the rooms it was connected to and the
# inviters waiting for its answer.
OUTLIVE_THE_ROOM = (
    webhook_events,
    webhook_queues,
    webhook_deliveries,
    battle_rooms,
    room_connections,
    battle_request_rooms,
)

# The web console's operators (liveroom operator add) and their signed-in sessions (the cookie's id, hashed).
operators = Table(
    "operators",
    metadata,
    Column("name", _ident(32), primary_key=True),
    Column("password_hash", Text, nullable=False),  # argon2id, in its PHC string form
    Column("created_at", BigInteger, nullable=False),
)

operator_sessions = Table(
    "operator_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 hex of the session id
    Column("operator", _ident(32), nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

Index("operator_sessions_operator", operator_sessions.c.operator)
