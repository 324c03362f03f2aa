"""The one-process presence keeps members in the order they entered, for the member list's pages."""

from __future__ import annotations

from liveroom.domain.presence import LocalPresence, Roster

APP = 1400000000


def users(page: list[tuple[int, str]]) -> list[str]:
    return [user for _, user in page]


def test_a_roster_pages_in_entry_order_skipping_members_who_left() -> None:
    roster = Roster()
    for position, user in enumerate(["a", "b", "c", "d"], start=1):
        assert roster.add(user, position)
    assert not roster.add("a", 9)  # already a member: keeps their place
    roster.discard("b")
    assert users(roster.page(0, 10)) == ["a", "c", "d"]
    assert users(roster.page(1, 1)) == ["c"]
    assert users(roster.page(3, 10)) == ["d"]
    assert roster.page(4, 10) == []
    roster.add("b", 5)
    assert users(roster.page(0, 10)) == ["a", "c", "d", "b"]
    assert len(roster) == 4 and "b" in roster and set(roster) == {"a", "b", "c", "d"}


def test_a_roster_squeezes_out_the_gaps_of_many_departures_and_keeps_its_order() -> None:
    roster = Roster()
    for i in range(1000):
        roster.add(f"u{i}", i + 1)
    for i in range(0, 1000, 3):
        roster.discard(f"u{i}")
    for i in range(1, 1000, 3):
        roster.discard(f"u{i}")
    expected = [f"u{i}" for i in range(2, 1000, 3)]
    assert users(roster.page(0, 1000)) == expected
    assert len(roster._order) < 1000  # the gaps went
    assert users(roster.page(roster.page(0, 10)[-1][0], 5)) == expected[10:15]


async def test_local_presence_pages_each_room_apart() -> None:
    presence = LocalPresence()
    for user in ["x", "y", "z"]:
        await presence.enter(APP, "r1", user, 10)
    await presence.enter(APP, "r2", "w", 10)
    assert users((await presence.page(APP, "r1", 0, 10)).members) == ["x", "y", "z"]
    await presence.leave(APP, "r1", "y")
    assert await presence.page(APP, "r1", 0, 1) == (2, [(1, "x")])
    assert users((await presence.page(APP, "r2", 0, 10)).members) == ["w"]
    assert await presence.page(APP, "nowhere", 0, 10) == (0, [])
