"""The records a store reads and writes: plain frozen values, the same whatever the database."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType


class CallbackConfig(msgspec.Struct, frozen=True, kw_only=True):
    """An app's webhook settings: ``url`` None when no callback is configured, ``token`` None when never set."""

    url: str | None = None
    commands: frozenset[str] = frozenset()
    token: str | None = None
    token_enabled: bool = False

    def wants(self, command: str) -> bool:
        """Whether events of ``command`` are to be sent."""
        return self.url is not None and command in self.commands

    def __repr__(self) -> str:
        # The token is a secret: never in a log line or a traceback.
        return (
            f"CallbackConfig(url={self.url!r}, commands={sorted(self.commands)!r}, token_enabled={self.token_enabled})"
        )


class AppRecord(msgspec.Struct, frozen=True, kw_only=True):
    sdkappid: int
    secret_key: str
    enabled: bool
    created_at: int
    member_quota: int
    seat_quota: int
    rate_limits_enabled: bool
    rate_limit_overrides: dict[str, int]
    admins: frozenset[str]
    # A before-callback that times out or fails allows the action (else it is refused).
    callback_fail_open: bool = False
    # Each gift's coins add to its room's score in the battle the room takes part in.
    gift_battle_scores: bool = False
    # The app's webhook settings, as the app directory keeps them (None: never configured).
    callbacks: CallbackConfig | None = None


class AccountRecord(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str
    nick: str
    face_url: str
    created_at: int


class RoomRecord(msgspec.Struct, frozen=True):
    """One room as stored. Field names are the columns of ``tables.rooms``, in the order a store selects them.

    Frozen, ``category`` a tuple: a store hands the rooms it keeps to every reader as they are, so a reader must
    not be able to change one (``msgspec.structs.replace`` makes a changed copy).
    """

    room_id: str
    room_name: str
    room_type: str
    owner_account: str
    create_time: int
    is_seat_enabled: bool
    seat_template: str
    seat_layout_template_id: int | None
    take_seat_mode: str
    max_seat_count: int
    max_member_count: int
    is_message_disabled: bool
    is_public_visible: bool
    is_unlimited_room_enabled: bool
    cover_url: str
    category: tuple[int, ...]
    activity_status: int
    notice: str
    view_count: int = 0
    total_gifts_sent: int = 0
    total_gift_coins: int = 0
    total_unique_gift_senders: int = 0
    total_likes_received: int = 0
    total_msg_count: int = 0
    gift_sequence: int = 0


class SeatRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One seat of a room. A seat with no stored row is free and unlocked. ``is_microphone_closed``: the owner or an
    admin closed its guest's microphone (liveroom's addition to the seat's fields)."""

    index: int
    member_account: str | None = None
    is_taken_disabled: bool = False
    is_video_disabled: bool = False
    is_audio_disabled: bool = False
    is_microphone_closed: bool = False


class SeatRequestRecord(msgspec.Struct, frozen=True):
    """A pending seat application or invitation: the columns of ``tables.seat_requests``, in the order a store
    selects them. ``member_account`` is the applicant or the invitee, ``operator`` who applied or invited."""

    sdkappid: int
    room_id: str
    member_account: str
    kind: str
    seat_index: int
    operator: str
    deadline_ms: int


class RoomListing(msgspec.Struct, frozen=True):
    """One room of a get_room_list page: the fields the list answers (sort key included), in the order a store
    selects them. A store reads only these columns for a page, not the whole room."""

    room_id: str
    room_name: str
    owner_account: str
    cover_url: str
    category: tuple[int, ...]
    create_time: int
    activity_status: int
    view_count: int


class ListCursor(msgspec.Struct, array_like=True, frozen=True):
    """Where a page of get_room_list ends: the sort key of its last room.

    It travels through the client (``Next``), so a store must accept any integers in it, not only stored ones.
    """

    view_count: int
    create_time: int
    room_id: str


class RoomChanges(msgspec.Struct, frozen=True, kw_only=True):
    """New values for some columns of a room; a field left UNSET keeps its stored value."""

    room_name: str | UnsetType = UNSET
    owner_account: str | UnsetType = UNSET
    take_seat_mode: str | UnsetType = UNSET
    max_member_count: int | UnsetType = UNSET
    is_message_disabled: bool | UnsetType = UNSET
    is_public_visible: bool | UnsetType = UNSET
    is_unlimited_room_enabled: bool | UnsetType = UNSET
    cover_url: str | UnsetType = UNSET
    category: tuple[int, ...] | UnsetType = UNSET
    activity_status: int | UnsetType = UNSET
    notice: str | UnsetType = UNSET


class AppChanges(msgspec.Struct, frozen=True, kw_only=True):
    """New values for some settings of an app; a field left UNSET keeps its stored value."""

    secret_key: str | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    member_quota: int | UnsetType = UNSET
    seat_quota: int | UnsetType = UNSET
    rate_limits_enabled: bool | UnsetType = UNSET
    rate_limit_overrides: dict[str, int] | UnsetType = UNSET
    callback_fail_open: bool | UnsetType = UNSET
    gift_battle_scores: bool | UnsetType = UNSET


class WebhookEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One outbox row: an after-callback event of a room. ``fact`` is the encoded typed fact."""

    id: int
    sdkappid: int
    room_id: str
    command: str
    fact: bytes
    event_time: int
    client_ip: str
    platform: str
    attempts: int
    expires_at: int
    dead: bool = False
    last_error: str = ""


class NewWebhookEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event to put in the outbox (``event_time`` in Unix ms)."""

    sdkappid: int
    room_id: str
    command: str
    fact: bytes
    event_time: int
    client_ip: str
    platform: str


class WebhookDelivery(msgspec.Struct, frozen=True, kw_only=True):
    """One attempt at delivering an event: ``status`` the receiver's HTTP status (None: no answer, ``answer`` says
    why), else ``answer`` the first bytes of its body; ``sent_at`` in Unix ms; ``id`` 0 until stored."""

    sdkappid: int
    event_id: int
    room_id: str
    command: str
    attempt: int
    sent_at: int
    status: int | None
    answer: str
    id: int = 0


class WebhookStats(msgspec.Struct, frozen=True, kw_only=True):
    """One app's outbox: events waiting, dead, and the EventTime of the oldest waiting (None when none waits)."""

    sdkappid: int
    pending: int
    dead: int
    oldest_pending: int | None


class GiftRecord(msgspec.Struct, frozen=True):
    """One gift of an app's configuration: the columns of ``tables.gifts``, in the order a store selects them.
    ``coins`` is the unit price."""

    gift_id: str
    icon_url: str
    resource_url: str
    coins: int
    level: int
    extension_info: str
    default_name: str
    default_desc: str
    create_time: int


class GiftChanges(msgspec.Struct, frozen=True, kw_only=True):
    """New values for some columns of a gift; a field left UNSET keeps its stored value."""

    icon_url: str | UnsetType = UNSET
    resource_url: str | UnsetType = UNSET
    coins: int | UnsetType = UNSET
    level: int | UnsetType = UNSET
    extension_info: str | UnsetType = UNSET
    default_name: str | UnsetType = UNSET
    default_desc: str | UnsetType = UNSET


class CategoryRecord(msgspec.Struct, frozen=True):
    """One gift category of an app: the columns of ``tables.gift_categories``, in the order a store selects them."""

    category_id: str
    default_name: str
    default_desc: str
    create_time: int


class CategoryChanges(msgspec.Struct, frozen=True, kw_only=True):
    default_name: str | UnsetType = UNSET
    default_desc: str | UnsetType = UNSET


class Translation(msgspec.Struct, frozen=True):
    """The name and description of a gift or a category in one language."""

    language: str
    name: str
    desc: str


class GiftTotals(msgspec.Struct, frozen=True):
    """A room's gift counters right after a gift was counted in them."""

    sequence: int
    total_gifts_sent: int
    total_gift_coins: int
    total_unique_gift_senders: int


class BattleRecord(msgspec.Struct, frozen=True):
    """One battle: the columns of ``tables.battles``, in the order a store selects them. Times are Unix ms."""

    sdkappid: int
    battle_id: str
    from_room_id: str
    operator: str
    duration_ms: int
    extension_info: str
    create_ms: int
    start_ms: int
    end_ms: int
    status: int
    end_reason: int | None


class BattleRoomRecord(msgspec.Struct, frozen=True):
    """A room of a battle (``tables.battle_rooms``); position 0 is the initiator's room."""

    room_id: str
    position: int
    owner_account: str
    score: int
    has_left: bool


class RoomConnectionRecord(msgspec.Struct, frozen=True):
    """A room connected to others (``tables.room_connections``): the rooms of one ``group_id`` are connected."""

    room_id: str
    group_id: str
    owner_account: str
    connected_ms: int


class ConnectionRequestRecord(msgspec.Struct, frozen=True):
    """A connection request waiting for its answer (``tables.connection_requests``); times are Unix ms."""

    sdkappid: int
    from_room_id: str
    to_room_id: str
    inviter: str
    invitee: str
    extension_info: str
    deadline_ms: int


class BattleRequestRecord(msgspec.Struct, frozen=True):
    """A battle request waiting for answers (``tables.battle_requests``); times are Unix ms."""

    sdkappid: int
    battle_id: str
    from_room_id: str
    inviter: str
    duration_ms: int
    extension_info: str
    timeout_ms: int
    deadline_ms: int


class BattleRequestRoomRecord(msgspec.Struct, frozen=True):
    """A room a battle request invites: ``answer`` 0 none yet, 1 accepted, 2 rejected."""

    room_id: str
    owner_account: str
    answer: int


def given_fields(changes: msgspec.Struct) -> dict[str, object]:
    """The fields of a changes record that are set, by name, in declaration order."""
    return {name: value for name in changes.__struct_fields__ if (value := getattr(changes, name)) is not UNSET}


class OperatorRecord(msgspec.Struct, frozen=True, kw_only=True):
    """Someone who signs in to the web console."""

    name: str
    password_hash: str
    created_at: int

    def __repr__(self) -> str:
        return f"OperatorRecord(name={self.name!r}, created_at={self.created_at})"


class OperatorSession(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in console session, found by the hash of the id its cookie carries."""

    operator: str
    csrf_token: str
    expires_at: int

    def __repr__(self) -> str:
        return f"OperatorSession(operator={self.operator!r}, expires_at={self.expires_at})"
