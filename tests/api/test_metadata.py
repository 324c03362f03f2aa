"""Room metadata: ``get/set/del_room_metadata`` (decisions.md section 6), black-box over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import Guarded, LiveClient

ROOM = "meta-room"


@pytest.fixture(autouse=True)
async def _room(live: LiveClient) -> None:
    await live.create_room(ROOM)


def pairs(items: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in items.items()]


async def put(live: LiveClient, items: dict[str, str], room_id: str = ROOM) -> None:
    data = await live.ok("set_room_metadata", {"RoomId": room_id, "Metadata": pairs(items)})
    assert "Response" not in data


async def stored(live: LiveClient, keys: list[str] | None = None, room_id: str = ROOM) -> dict[str, str]:
    data = await live.ok("get_room_metadata", {"RoomId": room_id, "Keys": keys or []})
    metadata = data["Response"]["Metadata"]
    for item in metadata:
        assert set(item) == {"Key", "Value"}
    result = {item["Key"]: item["Value"] for item in metadata}
    assert len(result) == len(metadata), "a key answered twice"
    return result


# set / get / del ----------------------------------------------------------------------------------------


async def test_a_new_room_has_no_metadata(live: LiveClient) -> None:
    assert await stored(live) == {}


async def test_set_then_get_with_empty_keys_answers_every_pair(live: LiveClient) -> None:
    await put(live, {"a": "1", "b": "two", "\u4e2d": "\u6587", "empty": ""})
    assert await stored(live) == {"a": "1", "b": "two", "\u4e2d": "\u6587", "empty": ""}


async def test_get_without_keys_answers_every_pair(live: LiveClient) -> None:
    await put(live, {"a": "1"})
    data = await live.ok("get_room_metadata", {"RoomId": ROOM})
    assert data["Response"]["Metadata"] == [{"Key": "a", "Value": "1"}]


async def test_set_is_an_upsert(live: LiveClient) -> None:
    await put(live, {"a": "1", "b": "2"})
    await put(live, {"b": "3", "c": "4"})
    assert await stored(live) == {"a": "1", "b": "3", "c": "4"}


async def test_the_last_of_duplicate_keys_in_one_set_wins(live: LiveClient) -> None:
    await live.ok(
        "set_room_metadata", {"RoomId": ROOM, "Metadata": [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]}
    )
    assert await stored(live) == {"k": "2"}


async def test_an_empty_set_succeeds_and_changes_nothing(live: LiveClient) -> None:
    await put(live, {"a": "1"})
    await put(live, {})
    assert await stored(live) == {"a": "1"}


async def test_get_with_keys_answers_only_the_keys_that_exist(live: LiveClient) -> None:
    await put(live, {"a": "1", "b": "2", "c": "3"})
    assert await stored(live, ["c", "a", "missing"]) == {"c": "3", "a": "1"}
    assert await stored(live, ["missing"]) == {}
    assert await stored(live, ["a", "a"]) == {"a": "1"}


async def test_keys_are_case_sensitive(live: LiveClient) -> None:
    await put(live, {"Key": "upper", "key": "lower"})
    assert await stored(live, ["KEY", "key"]) == {"key": "lower"}


async def test_del_removes_the_keys_and_ignores_missing_ones(live: LiveClient) -> None:
    await put(live, {"a": "1", "b": "2", "c": "3"})
    data = await live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": ["a", "nope", "c"]})
    assert "Response" not in data
    assert await stored(live) == {"b": "2"}
    await live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": ["a", "b"]})
    assert await stored(live) == {}
    await live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": []})
    await live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": ["ghost"]})


async def test_metadata_belongs_to_one_room(live: LiveClient) -> None:
    await live.create_room("other")
    await put(live, {"k": "here"})
    await put(live, {"k": "there"}, room_id="other")
    await live.ok("del_room_metadata", {"RoomId": "other", "Keys": ["k"]})
    assert await stored(live) == {"k": "here"}
    assert await stored(live, room_id="other") == {}


async def test_deleted_keys_free_their_slots(live: LiveClient) -> None:
    await put(live, {f"k{i}": "v" for i in range(10)})
    await live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": ["k0"]})
    await put(live, {"new": "v"})
    assert len(await stored(live)) == 10


# number of keys -----------------------------------------------------------------------------------------


async def test_a_room_holds_10_keys_and_an_existing_key_may_still_change(live: LiveClient) -> None:
    await put(live, {f"k{i}": str(i) for i in range(10)})
    await put(live, {"k3": "changed", "k9": "too"})
    result = await stored(live)
    assert len(result) == 10
    assert (result["k3"], result["k9"]) == ("changed", "too")


async def test_an_11th_key_is_refused_with_100500_and_nothing_changes(guard: Guarded) -> None:
    await put(guard.live, {f"k{i}": str(i) for i in range(10)})
    await guard.fails(100500, "set_room_metadata", {"RoomId": ROOM, "Metadata": pairs({"k0": "new", "k10": "x"})})
    assert (await stored(guard.live))["k0"] == "0"


async def test_11_keys_in_one_call_are_refused_with_100500(guard: Guarded) -> None:
    await guard.fails(
        100500, "set_room_metadata", {"RoomId": ROOM, "Metadata": pairs({f"k{i}": "v" for i in range(11)})}
    )
    assert await stored(guard.live) == {}


# key length ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["k", "k" * 50, "\u4e2d" * 16 + "kk", "\U0001f600" * 12 + "kk", " ", "a b"])
async def test_keys_of_1_to_50_bytes_are_accepted(live: LiveClient, key: str) -> None:
    await put(live, {key: "v"})
    assert await stored(live, [key]) == {key: "v"}
    await live.ok("del_room_metadata", {"RoomId": ROOM, "Keys": [key]})
    assert await stored(live) == {}


@pytest.mark.parametrize("key", ["", "k" * 51, "\u4e2d" * 17, "\U0001f600" * 12 + "kkk"])
async def test_keys_outside_1_to_50_bytes_are_refused_with_100002(guard: Guarded, key: str) -> None:
    body = {"RoomId": ROOM, "Metadata": [{"Key": "fine", "Value": "v"}, {"Key": key, "Value": "v"}]}
    assert "Key" in await guard.fails(100002, "set_room_metadata", body)
    assert await stored(guard.live) == {}


@pytest.mark.parametrize(
    "metadata",
    [
        [{"Key": 1, "Value": "v"}],
        [{"Key": "k", "Value": 1}],
        [{"Key": "k"}],
        [{"Value": "v"}],
        [["k", "v"]],
        {"k": "v"},
        None,
    ],
    ids=["numeric-key", "numeric-value", "no-value", "no-key", "pair-array", "object", "null"],
)
async def test_ill_formed_metadata_is_refused_with_100002(guard: Guarded, metadata: Any) -> None:
    await guard.fails(100002, "set_room_metadata", {"RoomId": ROOM, "Metadata": metadata})


async def test_set_without_metadata_is_refused_with_100002(guard: Guarded) -> None:
    assert "Metadata" in await guard.fails(100002, "set_room_metadata", {"RoomId": ROOM})


@pytest.mark.parametrize("keys", ["a", [1], [""], ["k" * 51], None], ids=["string", "number", "empty", "51", "null"])
async def test_get_and_del_refuse_ill_formed_keys_with_100002(guard: Guarded, keys: Any) -> None:
    await put(guard.live, {"a": "1"})
    await guard.fails(100002, "get_room_metadata", {"RoomId": ROOM, "Keys": keys})
    await guard.fails(100002, "del_room_metadata", {"RoomId": ROOM, "Keys": keys})


async def test_del_without_keys_is_refused_with_100002(guard: Guarded) -> None:
    await put(guard.live, {"a": "1"})
    assert "Keys" in await guard.fails(100002, "del_room_metadata", {"RoomId": ROOM})


# value sizes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["v" * 2048, "\u4e2d" * 682 + "vv", "\U0001f600" * 512])
async def test_a_value_of_2048_bytes_is_accepted(live: LiveClient, value: str) -> None:
    await put(live, {"k": value})
    assert await stored(live) == {"k": value}


@pytest.mark.parametrize("value", ["v" * 2049, "\u4e2d" * 683, "\U0001f600" * 512 + "v"])
async def test_a_value_over_2048_bytes_is_refused_with_100501_and_nothing_changes(guard: Guarded, value: str) -> None:
    await put(guard.live, {"k": "old"})
    body = {"RoomId": ROOM, "Metadata": pairs({"k": "new", "other": value})}
    assert "Value" in await guard.fails(100501, "set_room_metadata", body)
    assert await stored(guard.live) == {"k": "old"}


async def test_all_values_may_total_16384_bytes(live: LiveClient) -> None:
    await put(live, {f"k{i}": "v" * 2048 for i in range(8)})
    await put(live, {"k8": ""})
    assert sum(len(v) for v in (await stored(live)).values()) == 16384


async def test_all_values_over_16384_bytes_are_refused_with_100502_and_nothing_changes(guard: Guarded) -> None:
    live = guard.live
    await put(live, {f"k{i}": "v" * 2048 for i in range(7)})
    await put(live, {"k7": "v" * 2047})
    before = await stored(live)
    await guard.fails(100502, "set_room_metadata", {"RoomId": ROOM, "Metadata": pairs({"k8": "vv"})})
    await guard.fails(
        100502, "set_room_metadata", {"RoomId": ROOM, "Metadata": pairs({"k7": "\u4e2d" * 682 + "vv", "k8": "v"})}
    )
    assert await stored(live) == before
    # Overwriting counts the new value instead of the old one.
    await put(live, {"k0": "", "k8": "v" * 2048})
    assert sum(len(v.encode()) for v in (await stored(live)).values()) == 16383


async def test_nine_full_values_in_one_call_are_refused_with_100502(guard: Guarded) -> None:
    body = {"RoomId": ROOM, "Metadata": pairs({f"k{i}": "\u4e2d" * 682 + "vv" for i in range(9)})}
    await guard.fails(100502, "set_room_metadata", body)
    assert await stored(guard.live) == {}


async def test_the_byte_total_counts_utf8_bytes(guard: Guarded) -> None:
    await put(guard.live, {f"k{i}": "\u4e2d" * 682 + "vv" for i in range(8)})
    await guard.fails(100502, "set_room_metadata", {"RoomId": ROOM, "Metadata": pairs({"x": "\u00e9"})})


async def test_a_missing_room_answers_100004_before_any_metadata_limit(guard: Guarded) -> None:
    for metadata in (pairs({"k": "v" * 2049}), pairs({f"k{i}": "v" for i in range(11)})):
        assert "RoomId" in await guard.fails(100004, "set_room_metadata", {"RoomId": "missing", "Metadata": metadata})
