"""Accounts, ``v4/im_open_login_svc``: import, check, delete (decisions.md section 5), black-box over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import ADMIN, IM, Guarded, LiveClient, db_rows

ENVELOPE = {"ActionStatus", "ErrorInfo", "ErrorCode", "RequestId"}


def accounts_in(database_url: str) -> dict[str, tuple[str, str]]:
    """user_id -> (nick, face_url), as stored."""
    return {row["user_id"]: (row["nick"], row["face_url"]) for row in db_rows(database_url)["accounts"]}


async def status(live: LiveClient, *user_ids: str) -> dict[str, str]:
    data = await live.ok("account_check", {"CheckItem": [{"UserID": u} for u in user_ids]}, service=IM)
    return {item["UserID"]: item["AccountStatus"] for item in data["ResultItem"]}


# account_import -----------------------------------------------------------------------------------------


async def test_account_import_answers_the_bare_envelope_and_the_account_exists(live: LiveClient) -> None:
    data = await live.ok(
        "account_import", {"UserID": "alice", "Nick": "Alice", "FaceUrl": "https://x/a.png"}, service=IM
    )
    assert set(data) == ENVELOPE
    assert await status(live, "alice") == {"alice": "Imported"}


@pytest.mark.parametrize("user_id", ["a", "u" * 32, "中" * 10 + "ab", "with space", "😀" * 8])
async def test_account_import_accepts_user_ids_of_1_to_32_bytes(live: LiveClient, user_id: str) -> None:
    await live.ok("account_import", {"UserID": user_id}, service=IM)
    assert await status(live, user_id) == {user_id: "Imported"}


@pytest.mark.parametrize("user_id", ["", "u" * 33, "中" * 11, "😀" * 8 + "a"])
async def test_account_import_refuses_user_ids_outside_1_to_32_bytes_with_70402(guard: Guarded, user_id: str) -> None:
    info = await guard.fails(70402, "account_import", {"UserID": user_id}, service=IM)
    assert "UserID" in info


async def test_account_import_refuses_a_missing_user_id_with_70402(guard: Guarded) -> None:
    assert "UserID" in await guard.fails(70402, "account_import", {"Nick": "x"}, service=IM)


async def test_account_import_refuses_a_numeric_user_id_with_60015(guard: Guarded) -> None:
    assert "UserID" in await guard.fails(60015, "account_import", {"UserID": 12345}, service=IM)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"UserID": "bob", "Nick": 7}, "Nick"),
        ({"UserID": "bob", "FaceUrl": ["x"]}, "FaceUrl"),
    ],
)
async def test_account_import_refuses_profile_fields_of_the_wrong_type_with_70402(
    guard: Guarded, body: dict[str, Any], field: str
) -> None:
    assert field in await guard.fails(70402, "account_import", body, service=IM)


@pytest.mark.parametrize(
    ("nick", "face_url"),
    [("n" * 64, ""), ("中" * 21 + "a", ""), ("", "f" * 500), ("", "é" * 250)],
)
async def test_account_import_accepts_nick_to_64_and_face_url_to_500_bytes(
    live: LiveClient, database_url: str, nick: str, face_url: str
) -> None:
    await live.ok("account_import", {"UserID": "carol", "Nick": nick, "FaceUrl": face_url}, service=IM)
    assert accounts_in(database_url)["carol"] == (nick, face_url)


@pytest.mark.parametrize(
    ("nick", "face_url", "field"),
    [
        ("n" * 65, None, "Nick"),
        ("中" * 22, None, "Nick"),
        (None, "f" * 501, "FaceUrl"),
        (None, "é" * 250 + "a", "FaceUrl"),
    ],
)
async def test_account_import_refuses_long_profile_values_with_40601(
    guard: Guarded, nick: str | None, face_url: str | None, field: str
) -> None:
    body: dict[str, Any] = {"UserID": "dave"}
    if nick is not None:
        body["Nick"] = nick
    if face_url is not None:
        body["FaceUrl"] = face_url
    assert field in await guard.fails(40601, "account_import", body, service=IM)
    assert await status(guard.live, "dave") == {"dave": "NotImported"}


async def test_account_import_is_idempotent_and_updates_only_the_profile_given(
    live: LiveClient, database_url: str
) -> None:
    await live.ok("account_import", {"UserID": "erin", "Nick": "E1", "FaceUrl": "u1"}, service=IM)
    created = [r for r in db_rows(database_url)["accounts"] if r["user_id"] == "erin"]
    await live.ok("account_import", {"UserID": "erin", "Nick": "E1", "FaceUrl": "u1"}, service=IM)
    assert [r for r in db_rows(database_url)["accounts"] if r["user_id"] == "erin"] == created
    await live.ok("account_import", {"UserID": "erin", "Nick": "E2"}, service=IM)
    assert accounts_in(database_url)["erin"] == ("E2", "u1")
    await live.ok("account_import", {"UserID": "erin", "FaceUrl": ""}, service=IM)
    assert accounts_in(database_url)["erin"] == ("E2", "")
    assert len([r for r in db_rows(database_url)["accounts"] if r["user_id"] == "erin"]) == 1


async def test_account_import_refuses_a_user_id_list_with_70402_not_the_live_code(guard: Guarded) -> None:
    await guard.fails(70402, "account_import", {"UserID": ["a"]}, service=IM)


# multiaccount_import ------------------------------------------------------------------------------------


async def test_multiaccount_import_with_account_list_imports_all_and_answers_empty_fail_accounts(
    live: LiveClient, database_url: str
) -> None:
    data = await live.ok(
        "multiaccount_import",
        {"AccountList": [{"UserID": "m1", "Nick": "One", "FaceUrl": "f1"}, {"UserID": "m2"}]},
        service=IM,
    )
    assert "Response" not in data
    assert data["FailAccounts"] == []
    assert set(data) == ENVELOPE | {"FailAccounts"}
    assert await status(live, "m1", "m2") == {"m1": "Imported", "m2": "Imported"}
    assert accounts_in(database_url)["m1"] == ("One", "f1")


async def test_multiaccount_import_accepts_the_legacy_accounts_list(live: LiveClient) -> None:
    data = await live.ok("multiaccount_import", {"Accounts": ["l1", "l2", "l3"]}, service=IM)
    assert data["FailAccounts"] == []
    assert await status(live, "l1", "l2", "l3") == {"l1": "Imported", "l2": "Imported", "l3": "Imported"}


async def test_multiaccount_import_updates_existing_accounts(live: LiveClient, database_url: str) -> None:
    await live.ok("account_import", {"UserID": "upd", "Nick": "old"}, service=IM)
    data = await live.ok("multiaccount_import", {"AccountList": [{"UserID": "upd", "Nick": "new"}]}, service=IM)
    assert data["FailAccounts"] == []
    assert accounts_in(database_url)["upd"][0] == "new"


async def test_multiaccount_import_lists_bad_items_in_fail_accounts_and_imports_the_good_ones(
    live: LiveClient,
) -> None:
    long_id = "x" * 33
    data = await live.ok(
        "multiaccount_import",
        {
            "AccountList": [
                {"UserID": "good1"},
                {"UserID": long_id},
                {"UserID": "badnick", "Nick": "n" * 65},
                {"UserID": "good2", "Nick": "fine"},
                {"UserID": "badface", "FaceUrl": "f" * 501},
                {"UserID": ""},
            ]
        },
        service=IM,
    )
    assert sorted(data["FailAccounts"]) == sorted([long_id, "badnick", "badface", ""])
    assert await status(live, "good1", "good2", "badnick", "badface") == {
        "good1": "Imported",
        "good2": "Imported",
        "badnick": "NotImported",
        "badface": "NotImported",
    }


async def test_multiaccount_import_legacy_form_lists_bad_ids_in_fail_accounts(live: LiveClient) -> None:
    data = await live.ok("multiaccount_import", {"Accounts": ["ok1", "y" * 33]}, service=IM)
    assert data["FailAccounts"] == ["y" * 33]
    assert await status(live, "ok1") == {"ok1": "Imported"}


async def test_multiaccount_import_accepts_100_items(live: LiveClient) -> None:
    ids = [f"bulk{i}" for i in range(100)]
    data = await live.ok("multiaccount_import", {"AccountList": [{"UserID": u} for u in ids]}, service=IM)
    assert data["FailAccounts"] == []
    assert set((await status(live, *ids)).values()) == {"Imported"}


@pytest.mark.parametrize(
    "body",
    [
        {"AccountList": [{"UserID": f"b{i}"} for i in range(101)]},
        {"Accounts": [f"b{i}" for i in range(101)]},
        {"AccountList": [{"UserID": f"b{i}"} for i in range(60)], "Accounts": [f"c{i}" for i in range(60)]},
    ],
    ids=["account-list", "legacy", "both-forms"],
)
async def test_multiaccount_import_refuses_more_than_100_items_with_70402(guard: Guarded, body: dict[str, Any]) -> None:
    await guard.fails(70402, "multiaccount_import", body, service=IM)
    assert await status(guard.live, "b0") == {"b0": "NotImported"}


async def test_multiaccount_import_refuses_a_body_without_either_list_with_70402(guard: Guarded) -> None:
    assert "AccountList" in await guard.fails(70402, "multiaccount_import", {}, service=IM)


@pytest.mark.parametrize(
    "body",
    [{"Accounts": ["fine", 42]}, {"AccountList": [{"UserID": "fine"}, {"UserID": 42}]}],
    ids=["legacy", "account-list"],
)
async def test_multiaccount_import_refuses_numeric_ids_with_60015(guard: Guarded, body: dict[str, Any]) -> None:
    await guard.fails(60015, "multiaccount_import", body, service=IM)
    assert await status(guard.live, "fine") == {"fine": "NotImported"}


@pytest.mark.parametrize(
    "body",
    [{"AccountList": "m1"}, {"Accounts": "m1"}, {"AccountList": [{"Nick": "no id"}]}, {"AccountList": ["m1"]}],
)
async def test_multiaccount_import_refuses_ill_formed_lists_with_70402(guard: Guarded, body: dict[str, Any]) -> None:
    await guard.fails(70402, "multiaccount_import", body, service=IM)


# account_check ------------------------------------------------------------------------------------------


async def test_account_check_answers_a_result_item_per_user_in_order(live: LiveClient) -> None:
    await live.import_accounts("in1", "in2")
    data = await live.ok(
        "account_check",
        {"CheckItem": [{"UserID": "in2"}, {"UserID": "out"}, {"UserID": ADMIN}, {"UserID": "in1"}]},
        service=IM,
    )
    assert "Response" not in data
    assert data["ResultItem"] == [
        {"UserID": "in2", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
        {"UserID": "out", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "NotImported"},
        {"UserID": ADMIN, "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
        {"UserID": "in1", "ResultCode": 0, "ResultInfo": "", "AccountStatus": "Imported"},
    ]


async def test_account_check_accepts_100_items(live: LiveClient) -> None:
    data = await live.ok("account_check", {"CheckItem": [{"UserID": f"c{i}"} for i in range(100)]}, service=IM)
    assert len(data["ResultItem"]) == 100


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"CheckItem": [{"UserID": f"c{i}"} for i in range(101)]}, 70402),
        ({"CheckItem": [{"UserID": ""}]}, 70402),
        ({"CheckItem": [{"UserID": "z" * 33}]}, 70402),
        ({}, 70402),
        ({"CheckItem": [{"UserID": 5}]}, 60015),
    ],
    ids=["101-items", "empty-id", "33-bytes", "missing", "number"],
)
async def test_account_check_refuses_bad_requests(guard: Guarded, body: dict[str, Any], code: int) -> None:
    await guard.fails(code, "account_check", body, service=IM)


# account_delete -----------------------------------------------------------------------------------------


async def test_account_delete_answers_a_result_item_per_user(live: LiveClient) -> None:
    await live.import_accounts("d1", "d2")
    data = await live.ok(
        "account_delete", {"DeleteItem": [{"UserID": "d1"}, {"UserID": "ghost"}, {"UserID": "d2"}]}, service=IM
    )
    assert "Response" not in data
    items = data["ResultItem"]
    assert [item["UserID"] for item in items] == ["d1", "ghost", "d2"]
    for item in items:
        assert set(item) == {"ResultCode", "ResultInfo", "UserID"}
        assert type(item["ResultCode"]) is int
        assert type(item["ResultInfo"]) is str
    assert items[0]["ResultCode"] == 0
    assert items[2]["ResultCode"] == 0
    assert items[1]["ResultCode"] != 0
    assert items[1]["ResultInfo"]
    assert await status(live, "d1", "d2") == {"d1": "NotImported", "d2": "NotImported"}


async def test_a_deleted_account_can_no_longer_own_a_room_and_can_be_imported_again(live: LiveClient) -> None:
    await live.import_accounts("gone")
    await live.ok("account_delete", {"DeleteItem": [{"UserID": "gone"}]}, service=IM)
    info = await live.fails(
        70107, "create_room", {"RoomInfo": {"RoomId": "r", "RoomType": "Live", "Owner_Account": "gone"}}
    )
    assert "gone" in info
    await live.import_accounts("gone")
    await live.create_room("r", Owner_Account="gone")


async def test_account_delete_does_not_delete_an_admin(live: LiveClient) -> None:
    data = await live.ok("account_delete", {"DeleteItem": [{"UserID": ADMIN}]}, service=IM)
    assert data["ResultItem"][0]["ResultCode"] != 0
    assert await status(live, ADMIN) == {ADMIN: "Imported"}
    await live.ok("get_room_list", {})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"DeleteItem": [{"UserID": f"d{i}"} for i in range(101)]}, 70402),
        ({"DeleteItem": [{"UserID": ""}]}, 70402),
        ({}, 70402),
        ({"DeleteItem": [{"UserID": "d0"}, {"UserID": 5}]}, 60015),
    ],
    ids=["101-items", "empty-id", "missing", "number"],
)
async def test_account_delete_refuses_bad_requests_and_deletes_nothing(
    guard: Guarded, body: dict[str, Any], code: int
) -> None:
    await guard.live.import_accounts(*[f"d{i}" for i in range(100)])
    await guard.fails(code, "account_delete", body, service=IM)
    assert await status(guard.live, "d0") == {"d0": "Imported"}
