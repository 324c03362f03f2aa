"""The pace of gift events in crowded rooms: within a budget of member-frames, the newest held event always sent."""

from __future__ import annotations

import asyncio

from liveroom.domain.events import GiftSent, MemberEntered, MemberLeft
from liveroom.realtime.pacing import GiftPacer, Pacer


def gift(sequence: int, room_id: str = "big") -> GiftSent:
    return GiftSent(
        sdkappid=1,
        room_id=room_id,
        operator="fan",
        sender_account="fan",
        gift_id="rose",
        count=1,
        receiver_list_account=("host",),
        coins=5,
        sequence=sequence,
        total_gifts_sent=sequence,
        total_gift_coins=5 * sequence,
        total_unique_gift_senders=1,
    )


async def test_a_crowded_room_gets_the_newest_event_when_its_budget_allows() -> None:
    sent: list[GiftSent] = []
    pacer = GiftPacer(sent.append, frames_per_second=4000)  # a burst of 1,000 frames, then 4,000 a second
    assert pacer.offer(gift(1), 1000)
    assert not any([pacer.offer(gift(3), 1000), pacer.offer(gift(2), 1000), pacer.offer(gift(4), 1000)])
    await asyncio.sleep(0.4)
    assert [e.sequence for e in sent] == [4]  # the newest, whatever the order they came in
    assert not pacer.offer(gift(5), 1000)  # the budget went to #4
    await asyncio.sleep(0.4)
    assert [e.sequence for e in sent] == [4, 5]


async def test_small_rooms_get_every_event_and_rooms_are_paced_apart() -> None:
    sent: list[GiftSent] = []
    pacer = GiftPacer(sent.append, frames_per_second=4000)
    assert all(pacer.offer(gift(n, "small"), 3) for n in range(1, 301))
    assert pacer.offer(gift(1, "big"), 1000)
    assert pacer.offer(gift(301, "small"), 3)
    await asyncio.sleep(0.05)
    assert sent == []


async def test_a_room_larger_than_the_burst_is_paced_not_starved() -> None:
    sent: list[GiftSent] = []
    pacer = GiftPacer(sent.append, frames_per_second=40_000)  # a burst of 10,000; 50,000 frames take 1.25 s
    assert pacer.offer(gift(1), 50_000)
    assert not pacer.offer(gift(2), 50_000)
    await asyncio.sleep(1.5)
    assert [e.sequence for e in sent] == [2]


async def test_a_room_larger_than_the_burst_pays_for_every_frame_it_is_sent() -> None:
    # 4,000 frames a second (a burst of 1,000): a room of 4,000 gets one event a second, not one per 1,000 tokens.
    sent: list[GiftSent] = []
    pacer = GiftPacer(sent.append, frames_per_second=4000)
    assert pacer.offer(gift(1), 4000)
    assert not pacer.offer(gift(2), 4000)
    await asyncio.sleep(0.6)
    assert sent == []
    await asyncio.sleep(0.6)
    assert [e.sequence for e in sent] == [2]
    assert not pacer.offer(gift(3), 4000)


async def test_a_dismissed_room_has_nothing_sent_after_it() -> None:
    sent: list[GiftSent] = []
    pacer = GiftPacer(sent.append, frames_per_second=4000)
    assert pacer.offer(gift(1), 1000)
    assert not pacer.offer(gift(2), 1000)
    pacer.forget(1, "big")
    await asyncio.sleep(0.4)
    assert sent == []


def entered(member: str, count: int) -> MemberEntered:
    return MemberEntered(
        sdkappid=1, room_id="big", operator=member, member_account=member, member_count=count, view_count=count
    )


async def test_members_entering_a_crowded_room_are_paced_the_last_with_the_room_s_count_sent() -> None:
    sent: list[MemberEntered | MemberLeft] = []
    pacer = Pacer[MemberEntered | MemberLeft](sent.append, frames_per_second=4000)
    assert pacer.offer(entered("m1", 1001), 1000)
    assert not pacer.offer(entered("m2", 1002), 1000)
    left = MemberLeft(sdkappid=1, room_id="big", operator="m1", member_account="m1", member_count=1001, reason="left")
    assert not pacer.offer(left, 1000)
    assert not pacer.offer(entered("m3", 1002), 1000)
    await asyncio.sleep(0.4)
    assert [(e.member_account, e.member_count) for e in sent] == [("m3", 1002)]  # the last, whatever its kind
