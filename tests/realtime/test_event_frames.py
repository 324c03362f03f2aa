"""The frame of every room event kind is the documented wire shape, made from the typed event."""

from __future__ import annotations

from typing import get_args

import pytest

from liveroom.domain.events import AnyRoomEvent, RoomEvent
from liveroom.realtime import protocol
from tests.event_examples import EXAMPLES


@pytest.mark.parametrize(("event", "frame"), EXAMPLES, ids=[type(event).__name__ for event, _ in EXAMPLES])
def test_an_event_becomes_its_documented_frame(event: AnyRoomEvent, frame: str) -> None:
    assert protocol.event(event).text == frame


def test_every_kind_is_in_the_union_and_has_an_example() -> None:
    kinds = set(get_args(AnyRoomEvent))
    assert kinds == set(RoomEvent.__subclasses__())
    assert kinds == {type(event) for event, _ in EXAMPLES}
    tags = [kind.__struct_config__.tag for kind in kinds]
    assert len(set(tags)) == len(tags)
