"""A battle of three hosts over real WebSockets (``RealtimeClient`` against a served liveroom): every room's members
see it start, its scores change, a host take their room out (``exit_battle``) and the battle end when one room is
left; the SDK's ``battles`` group starts and reads it."""

from __future__ import annotations

import pytest

from liveroom.client import AsyncClient, NotFoundError, PermissionDeniedError
from liveroom.client.models import ScoreItem
from liveroom.client.realtime import (
    BattleEnded,
    BattleRoom,
    BattleScoreChanged,
    BattleStarted,
    BattleUserExited,
    RealtimeClient,
)
from tests.client.test_realtime_client import Connect, admin, connect, next_event

__all__ = ["admin", "connect"]  # fixtures, imported to be found by pytest

ROOMS = {"red": "ann", "blue": "ben", "green": "cat"}


async def hosts(admin: AsyncClient, connect: Connect) -> dict[str, RealtimeClient]:
    """The three hosts, each in their own room, and alice watching red."""
    await admin.accounts.import_many(accounts=list(ROOMS.values()))
    joined = {}
    for room, owner in ROOMS.items():
        await admin.rooms.create(room, owner_account=owner)
        joined[owner] = await connect(owner)
        await joined[owner].enter(room)
    joined["alice"] = await connect("alice")
    await joined["alice"].enter("red")
    return joined


async def test_three_hosts_battle_until_one_room_is_left(admin: AsyncClient, connect: Connect) -> None:
    people = await hosts(admin, connect)
    created = await admin.battles.create("red", ["blue", "green"], 60000, extension_info="final")
    battle_id = created.battle_id
    for name, room in (("ann", "red"), ("ben", "blue"), ("cat", "green"), ("alice", "red")):
        started = await next_event(people[name], BattleStarted)
        assert (started.room_id, started.battle_id, started.extension_info) == (room, battle_id, "final")
        assert [r.room_id for r in started.to_room_list] == ["blue", "green"]
        assert started.end_time - started.start_time == 60

    await admin.battles.set_score(battle_id, 1, [ScoreItem(room_id="green", score=40)])
    changed = await next_event(people["ben"], BattleScoreChanged)
    assert changed.score_list[2] == BattleRoom(room_id="green", owner_account="cat", score=40)

    # A viewer owns no room of the battle; cat takes green out: the others go on.
    with pytest.raises(NotFoundError) as refused:
        await people["alice"].exit_battle(battle_id)
    assert (refused.value.code, refused.value.reason) == (100005, "not_in_battle")
    await people["cat"].exit_battle(battle_id)
    for name in ("ann", "ben", "cat", "alice"):
        exited = await next_event(people[name], BattleUserExited)
        assert (exited.battle_id, exited.battle_user) == (
            battle_id,
            BattleRoom(room_id="green", owner_account="cat", score=40),
        )
    read = await admin.battles.get_info(battle_id=battle_id)
    assert (read.status, read.to_room_list[1].score) == (2, 40)
    with pytest.raises(NotFoundError):
        await people["cat"].exit_battle(battle_id)

    # Ben leaves too: red is the last room, and the battle ends for everyone still in it.
    await people["ben"].exit_battle(battle_id)
    for name in ("ann", "ben", "alice"):
        ended = await next_event(people[name], BattleEnded)
        assert (ended.battle_id, ended.reason) == (battle_id, 1)
        assert [(r.room_id, r.score) for r in ended.to_room_list] == [("blue", 0), ("green", 40)]
    assert (await admin.battles.get_info(battle_id=battle_id)).status == 3
    with pytest.raises(PermissionDeniedError) as over:
        await people["ann"].exit_battle(battle_id)
    assert over.value.reason == "battle_ended"
    with pytest.raises(NotFoundError) as unknown:
        await people["ann"].exit_battle("no-such-battle")
    assert unknown.value.reason == "battle_not_found"
