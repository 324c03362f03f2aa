"""One example of every room event kind (two for the kinds with optional fields), with the frame a client
receives for it, as docs/realtime.md section 3 shows it."""

from __future__ import annotations

from liveroom.domain.events import (
    AdminsChanged,
    AnyRoomEvent,
    BattleEnded,
    BattleRequestAccepted,
    BattleRequestCancelled,
    BattleRequestReceived,
    BattleRequestRejected,
    BattleRequestTimeout,
    BattleRoom,
    BattleScoreChanged,
    BattleStarted,
    BattleUserExited,
    CoHost,
    ConnectionRequestAccepted,
    ConnectionRequestCancelled,
    ConnectionRequestReceived,
    ConnectionRequestRejected,
    ConnectionRequestTimeout,
    ConnectionUserListChanged,
    CustomMessage,
    GiftSent,
    KickedOffSeat,
    KickedOutOfRoom,
    Liked,
    MemberBanned,
    MemberEntered,
    MemberLeft,
    MemberMuted,
    MemberUnbanned,
    MetadataChanged,
    MetadataDeleted,
    MetadataItem,
    MicrophoneChanged,
    PickedOnSeat,
    RobotsChanged,
    RoomDismissed,
    RoomInfoChanged,
    SeatApplication,
    SeatApplicationResult,
    SeatInvitation,
    SeatInvitationResult,
    SeatListChanged,
    TextMessage,
)
from liveroom.store.interface import SeatRecord

APP = 1400000000
ROOM = "party"
BY_ADMIN = {"sdkappid": APP, "room_id": ROOM, "operator": "administrator"}
BY_BOB = {"sdkappid": APP, "room_id": ROOM, "operator": "bob"}
BY_SERVER = {"sdkappid": APP, "room_id": ROOM, "operator": ""}


def frame(kind: str, operator: str, data: str) -> str:
    return f'{{"type":"event","event":"{kind}","RoomId":"party","Operator_Account":"{operator}","data":{data}}}'


EXAMPLES: list[tuple[AnyRoomEvent, str]] = [
    (
        MemberEntered(**BY_BOB, member_account="bob", member_count=2, view_count=8),
        frame("member_entered", "bob", '{"Member_Account":"bob","MemberCount":2,"ViewCount":8}'),
    ),
    (
        MemberLeft(**BY_BOB, member_account="bob", member_count=1, reason="left"),
        frame("member_left", "bob", '{"Member_Account":"bob","MemberCount":1,"Reason":"left"}'),
    ),
    (
        MicrophoneChanged(**BY_BOB, member_account="carol", index=2, is_open=False),
        frame("microphone_changed", "bob", '{"Member_Account":"carol","Index":2,"IsOpen":false}'),
    ),
    (
        SeatInvitation(**BY_BOB, recipients=frozenset({"bob", "carol"}), member_account="carol", index=1, timeout=60),
        frame("seat_invitation", "bob", '{"Member_Account":"carol","Index":1,"Timeout":60}'),
    ),
    (
        SeatInvitationResult(**BY_SERVER, member_account="carol", index=1, result="timeout"),
        frame("seat_invitation_result", "", '{"Member_Account":"carol","Index":1,"Result":"timeout"}'),
    ),
    (
        KickedOutOfRoom(**BY_ADMIN, recipients=frozenset({"bob"}), member_account="bob", reason="by_admin"),
        frame("kicked_out_of_room", "administrator", '{"Member_Account":"bob","Reason":"by_admin"}'),
    ),
    (
        MemberBanned(**BY_ADMIN, member_list_account=("bob", "carol"), banned_until=1764100000, reason="spam"),
        frame(
            "member_banned",
            "administrator",
            '{"MemberList_Account":["bob","carol"],"BannedUntil":1764100000,"Reason":"spam"}',
        ),
    ),
    (
        MemberUnbanned(**BY_ADMIN, member_list_account=("bob",)),
        frame("member_unbanned", "administrator", '{"MemberList_Account":["bob"]}'),
    ),
    (
        MemberMuted(**BY_ADMIN, member_list_account=("bob",), muted_until=0),
        frame("member_muted", "administrator", '{"MemberList_Account":["bob"],"MutedUntil":0}'),
    ),
    (
        AdminsChanged(**BY_ADMIN, op_type="add", admin_account=("alice",)),
        frame("admins_changed", "administrator", '{"OpType":"add","Admin_Account":["alice"]}'),
    ),
    (
        RobotsChanged(**BY_ADMIN, op_type="delete", robot_list_account=("r1", "r2")),
        frame("robots_changed", "administrator", '{"OpType":"delete","RobotList_Account":["r1","r2"]}'),
    ),
    (
        TextMessage(**BY_BOB, sender_account="bob", text_content="héllo", extension_info='{"color":"red"}'),
        frame(
            "text_message",
            "bob",
            '{"Sender_Account":"bob","TextContent":"héllo","ExtensionInfo":"{\\"color\\":\\"red\\"}"}',
        ),
    ),
    (
        CustomMessage(**BY_ADMIN, sender_account="shop", business_id="gift", data="rose"),
        frame("custom_message", "administrator", '{"Sender_Account":"shop","BusinessId":"gift","Data":"rose"}'),
    ),
    (
        Liked(**BY_BOB, sender_account="bob", count=3, total_likes_received=1203),
        frame("like", "bob", '{"Sender_Account":"bob","Count":3,"TotalLikesReceived":1203}'),
    ),
    (
        GiftSent(
            **BY_BOB,
            sender_account="bob",
            gift_id="rose",
            count=3,
            receiver_list_account=("host",),
            coins=5,
            sequence=42,
            total_gifts_sent=120,
            total_gift_coins=2650,
            total_unique_gift_senders=17,
        ),
        frame(
            "gift",
            "bob",
            '{"Sender_Account":"bob","GiftId":"rose","Count":3,"ReceiverList_Account":["host"],"Coins":5,'
            '"Sequence":42,"TotalGiftsSent":120,"TotalGiftCoins":2650,"TotalUniqueGiftSenders":17}',
        ),
    ),
    (
        BattleStarted(
            **BY_ADMIN,
            battle_id="b-1",
            duration=60000,
            create_time=1764100000,
            start_time=1764100000,
            end_time=1764100060,
            extension_info="round 1",
            from_room_info=BattleRoom("party", "host", 0),
            to_room_list=(BattleRoom("other", "ann", 0),),
        ),
        frame(
            "battle_started",
            "administrator",
            '{"BattleId":"b-1","Duration":60000,"CreateTime":1764100000,"StartTime":1764100000,"EndTime":1764100060,'
            '"ExtensionInfo":"round 1","FromRoomInfo":{"RoomId":"party","Owner_Account":"host","Score":0},'
            '"ToRoomList":[{"RoomId":"other","Owner_Account":"ann","Score":0}]}',
        ),
    ),
    (
        BattleScoreChanged(
            **BY_ADMIN,
            battle_id="b-1",
            score_list=(BattleRoom("party", "host", 30), BattleRoom("other", "ann", 12)),
        ),
        frame(
            "battle_score_changed",
            "administrator",
            '{"BattleId":"b-1","ScoreList":[{"RoomId":"party","Owner_Account":"host","Score":30},'
            '{"RoomId":"other","Owner_Account":"ann","Score":12}]}',
        ),
    ),
    (
        BattleUserExited(**BY_BOB, battle_id="b-1", battle_user=BattleRoom("party", "bob", 12)),
        frame(
            "battle_user_exited",
            "bob",
            '{"BattleId":"b-1","BattleUser":{"RoomId":"party","Owner_Account":"bob","Score":12}}',
        ),
    ),
    (
        BattleEnded(
            **BY_SERVER,
            battle_id="b-1",
            duration=60000,
            create_time=1764100000,
            start_time=1764100000,
            end_time=1764100060,
            extension_info="round 1",
            from_room_info=BattleRoom("party", "host", 30),
            to_room_list=(BattleRoom("other", "ann", 12),),
            reason=0,
        ),
        frame(
            "battle_ended",
            "",
            '{"BattleId":"b-1","Duration":60000,"CreateTime":1764100000,"StartTime":1764100000,"EndTime":1764100060,'
            '"ExtensionInfo":"round 1","FromRoomInfo":{"RoomId":"party","Owner_Account":"host","Score":30},'
            '"ToRoomList":[{"RoomId":"other","Owner_Account":"ann","Score":12}],"Reason":0}',
        ),
    ),
    (
        ConnectionUserListChanged(
            **BY_BOB,
            connected_list=(CoHost("party", "host"), CoHost("other", "ann")),
            joined_list=(CoHost("other", "ann"),),
            left_list=(),
        ),
        frame(
            "connection_user_list_changed",
            "bob",
            '{"ConnectedList":[{"RoomId":"party","Owner_Account":"host"},{"RoomId":"other","Owner_Account":"ann"}],'
            '"JoinedList":[{"RoomId":"other","Owner_Account":"ann"}],"LeftList":[]}',
        ),
    ),
    (
        ConnectionRequestReceived(
            **BY_BOB,
            recipients=frozenset({"host"}),
            inviter=CoHost("other", "ann"),
            invitee_list=(CoHost("party", "host"),),
            extension_info="",
            timeout=10,
        ),
        frame(
            "connection_request_received",
            "bob",
            '{"Inviter":{"RoomId":"other","Owner_Account":"ann"},'
            '"InviteeList":[{"RoomId":"party","Owner_Account":"host"}],"ExtensionInfo":"","Timeout":10}',
        ),
    ),
    (
        ConnectionRequestCancelled(**BY_BOB, inviter=CoHost("other", "ann")),
        frame("connection_request_cancelled", "bob", '{"Inviter":{"RoomId":"other","Owner_Account":"ann"}}'),
    ),
    (
        ConnectionRequestAccepted(**BY_BOB, invitee=CoHost("other", "ann")),
        frame("connection_request_accepted", "bob", '{"Invitee":{"RoomId":"other","Owner_Account":"ann"}}'),
    ),
    (
        ConnectionRequestRejected(**BY_BOB, invitee=CoHost("other", "ann")),
        frame("connection_request_rejected", "bob", '{"Invitee":{"RoomId":"other","Owner_Account":"ann"}}'),
    ),
    (
        ConnectionRequestTimeout(**BY_SERVER, inviter=CoHost("party", "host"), invitee=CoHost("other", "ann")),
        frame(
            "connection_request_timeout",
            "",
            '{"Inviter":{"RoomId":"party","Owner_Account":"host"},"Invitee":{"RoomId":"other","Owner_Account":"ann"}}',
        ),
    ),
    (
        BattleRequestReceived(
            **BY_BOB,
            battle_id="b-1",
            inviter=CoHost("other", "ann"),
            invitee_list=(CoHost("party", "host"),),
            duration=60000,
            extension_info="",
            timeout=10,
        ),
        frame(
            "battle_request_received",
            "bob",
            '{"BattleId":"b-1","Inviter":{"RoomId":"other","Owner_Account":"ann"},'
            '"InviteeList":[{"RoomId":"party","Owner_Account":"host"}],"Duration":60000,"ExtensionInfo":"",'
            '"Timeout":10}',
        ),
    ),
    (
        BattleRequestCancelled(**BY_BOB, battle_id="b-1", inviter=CoHost("other", "ann")),
        frame(
            "battle_request_cancelled", "bob", '{"BattleId":"b-1","Inviter":{"RoomId":"other","Owner_Account":"ann"}}'
        ),
    ),
    (
        BattleRequestAccepted(**BY_BOB, battle_id="b-1", invitee=CoHost("other", "ann")),
        frame(
            "battle_request_accepted", "bob", '{"BattleId":"b-1","Invitee":{"RoomId":"other","Owner_Account":"ann"}}'
        ),
    ),
    (
        BattleRequestRejected(**BY_BOB, battle_id="b-1", invitee=CoHost("other", "ann")),
        frame(
            "battle_request_rejected", "bob", '{"BattleId":"b-1","Invitee":{"RoomId":"other","Owner_Account":"ann"}}'
        ),
    ),
    (
        BattleRequestTimeout(
            **BY_SERVER, battle_id="b-1", inviter=CoHost("party", "host"), invitee=CoHost("other", "ann")
        ),
        frame(
            "battle_request_timeout",
            "",
            '{"BattleId":"b-1","Inviter":{"RoomId":"party","Owner_Account":"host"},'
            '"Invitee":{"RoomId":"other","Owner_Account":"ann"}}',
        ),
    ),
    (
        SeatListChanged(
            **BY_BOB,
            seat_list=(SeatRecord(index=0, member_account="bob"), SeatRecord(index=1, is_taken_disabled=True)),
        ),
        frame(
            "seat_list_changed",
            "bob",
            '{"SeatList":['
            '{"Index":0,"Member_Account":"bob","IsTakenDisabled":false,"IsVideoDisabled":false,"IsAudioDisabled":false,'
            '"IsMicrophoneClosed":false},'
            '{"Index":1,"Member_Account":"","IsTakenDisabled":true,"IsVideoDisabled":false,"IsAudioDisabled":false,'
            '"IsMicrophoneClosed":false}'
            "]}",
        ),
    ),
    (
        PickedOnSeat(**BY_ADMIN, member_account="bob", index=1),
        frame("picked_on_seat", "administrator", '{"Member_Account":"bob","Index":1}'),
    ),
    (
        KickedOffSeat(**BY_ADMIN, member_account="bob", index=1, data="bye"),
        frame("kicked_off_seat", "administrator", '{"Member_Account":"bob","Index":1,"Data":"bye"}'),
    ),
    (
        SeatApplication(**BY_BOB, recipients=frozenset({"host"}), member_account="bob", index=2),
        frame("seat_application", "bob", '{"Member_Account":"bob","Index":2}'),
    ),
    (
        SeatApplicationResult(
            **BY_SERVER, recipients=frozenset({"host", "bob"}), member_account="bob", index=2, result="timeout"
        ),
        frame("seat_application_result", "", '{"Member_Account":"bob","Index":2,"Result":"timeout"}'),
    ),
    (
        RoomInfoChanged(
            **BY_ADMIN,
            room_name="Party",
            is_message_disabled=True,
            cover_url="https://example.com/c.png",
            category=(1, 2),
            take_seat_mode="ApplyToTake",
        ),
        frame(
            "room_info_changed",
            "administrator",
            '{"RoomName":"Party","IsMessageDisabled":true,"CoverURL":"https://example.com/c.png",'
            '"Category":[1,2],"TakeSeatMode":"ApplyToTake"}',
        ),
    ),
    (
        RoomInfoChanged(**BY_ADMIN, owner_account="carol"),
        frame("room_info_changed", "administrator", '{"Owner_Account":"carol"}'),
    ),
    (
        MetadataChanged(**BY_ADMIN, metadata=(MetadataItem("theme", "dark"), MetadataItem("topic", ""))),
        frame(
            "metadata_changed",
            "administrator",
            '{"Metadata":[{"Key":"theme","Value":"dark"},{"Key":"topic","Value":""}]}',
        ),
    ),
    (
        MetadataDeleted(**BY_ADMIN, keys=("theme",)),
        frame("metadata_deleted", "administrator", '{"Keys":["theme"]}'),
    ),
    (RoomDismissed(**BY_ADMIN), frame("room_dismissed", "administrator", "{}")),
    (RoomDismissed(**BY_SERVER, reason="empty"), frame("room_dismissed", "", '{"Reason":"empty"}')),
]
