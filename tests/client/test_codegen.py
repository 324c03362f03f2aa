"""The generator on shapes the registry does not have yet: what a command added later will produce."""

from __future__ import annotations

import enum
from typing import Any, Literal

import msgspec
from msgspec import UNSET, UnsetType

from liveroom.api.registry import Family, Registry, command
from liveroom.client import codegen
from liveroom.client._core import Endpoint


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Item(msgspec.Struct, rename="pascal", kw_only=True):
    item_id: str
    score: int


class ThingListRequest(msgspec.Struct, rename="pascal", kw_only=True):
    room_id: str
    mode: Literal["fast", "slow"] = "fast"
    color: Color | UnsetType = UNSET
    weights: dict[str, int] = {}
    item: Item | UnsetType = UNSET
    next: str = ""


class ThingListResponse(msgspec.Struct, rename="pascal"):
    next: str
    thing_list: list[Item]


class PingRequest(msgspec.Struct):
    UserID: str


def registry() -> Registry:
    reg = Registry()

    @command("x_engine_srv", "get_thing_list", request=ThingListRequest, response=ThingListResponse, registry=reg)
    async def get_thing_list(svc: Any, caller: Any, req: Any) -> None:
        """One page of things."""

    @command("x_engine_srv", "ping_robot", request=PingRequest, family=Family.IM, registry=reg)
    async def ping_robot(svc: Any, caller: Any, req: Any) -> None:
        """Ping."""

    return reg


class FakeCaller:
    """Answers pages of two, three times, and records the requests."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.requests: list[tuple[Endpoint, dict[str, Any]]] = []
        self.pages = 0
        self.ns = namespace

    def _call(self, endpoint: Endpoint, request: Any, response: Any) -> Any:
        self.requests.append((endpoint, request.to_wire()))
        if response is None:
            return None
        self.pages += 1
        page = self.pages
        items = [self.ns["Item"](item_id=f"{page}-{n}", score=n) for n in range(2)]
        return response(next="" if page == 3 else f"cursor-{page}", thing_list=items)


def test_a_new_family_gets_a_group_typed_methods_and_a_pager() -> None:
    source = codegen.generate(registry())
    namespace: dict[str, Any] = {}
    exec(compile(source, "_generated.py", "exec"), namespace)
    caller = FakeCaller(namespace)
    api = namespace["API"]()
    api._bind(caller)
    assert "Literal['red', 'blue']" in source
    assert "Literal['fast', 'slow']" in source

    assert api.robots.ping("u1") is None  # "ping_robot": the robot noun picks the group
    assert caller.requests[-1][1] == {"UserID": "u1"}
    assert caller.requests[-1][0].top_level is True

    ids = [t.item_id for t in api.x_engine.iter_list_thing("r", mode="slow", color="red", weights={"a": 1})]
    assert ids == ["1-0", "1-1", "2-0", "2-1", "3-0", "3-1"]
    sent = [body for _, body in caller.requests[1:]]
    assert [b["Next"] for b in sent] == ["", "cursor-1", "cursor-2"]
    assert sent[0] == {"RoomId": "r", "Mode": "slow", "Color": "red", "Weights": {"a": 1}, "Next": ""}
