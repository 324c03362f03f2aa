"""``liveroom gifts list|add|send|copy-defaults`` and ``/gift`` in ``liveroom join``, against a real server."""

from __future__ import annotations

import json

from liveroom.client import Client
from tests.cli.test_join import admin, env
from tests.cli.test_join import run as join_run
from tests.cli.test_remote import Run, as_json, ok, run
from tests.client.servers import ThreadedServer
from tests.helpers import SDKAPPID, SECRET_KEY

__all__ = ["admin", "env", "join_run", "run"]  # fixtures, imported to be found by pytest


def test_copy_defaults_then_list_in_two_languages(run: Run) -> None:
    assert "3 categories, 15 gifts" in ok(run("gifts", "copy-defaults")).stdout
    table = ok(run("gifts", "list")).stdout
    assert "15 gifts" in table and "Rocket" in table and "8,888" in table and "Luxury" in table
    assert "火箭" in ok(run("gifts", "list", "--language", "zh-CN")).stdout
    listed = as_json(run("gifts", "list", "--json"))
    assert listed["TotalCount"] == 15 and listed["GiftList"][0]["GiftId"] == "heart"
    again = run("gifts", "copy-defaults")
    assert again.exit_code == 1
    assert "error 100002" in again.stderr


def test_add_then_send_shows_the_rooms_totals(run: Run, threaded: ThreadedServer) -> None:
    with Client(threaded.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as sdk:
        sdk.accounts.import_many(accounts=["host", "alice", "bob"])
        sdk.rooms.create("live-room", owner_account="host")
    added = ok(run("gifts", "add", "star", "--name", "Star", "--coins", "50", "--desc", "Shine", "--level", "2"))
    assert "added gift star (50 coins)" in added.stdout
    listed = as_json(run("gifts", "list", "--json"))
    assert [(g["GiftId"], g["Coins"], g["Desc"], g["Level"]) for g in listed["GiftList"]] == [("star", 50, "Shine", 2)]
    sent = ok(run("gifts", "send", "live-room", "star", "--from", "alice", "--count", "3")).stdout
    assert "sent 3 x star from alice to host in live-room" in sent
    assert "150 coins from 1 senders (Sequence 1)" in sent
    totals = as_json(run("gifts", "send", "live-room", "star", "--from", "bob", "--to", "alice", "--json"))
    assert totals == {"Sequence": 2, "TotalCount": 4, "TotalCoins": 200, "GiftSenderCount": 2}
    missing = run("gifts", "send", "live-room", "tulip", "--from", "bob", "--json")
    assert missing.exit_code == 1
    assert json.loads(missing.stdout)["ErrorCode"] == 102002


def test_join_sends_gifts_and_shows_them(admin: Client, join_run: Run) -> None:
    admin.gifts.copy_default_config()
    result = join_run("join", "party", "--as", "alice", input="/gift rose 2\n/gift tulip\n/gift heart\n")
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    body = [line.split(" ", 1)[1] for line in result.stdout.splitlines()[1:]]
    assert body == [
        "alice sent 2 x rose to host (#1; the room: 2 gifts, 10 coins)",
        "alice sent 1 x heart to host (#2; the room: 3 gifts, 11 coins)",
    ]
    assert "error 102002 (gift_not_found)" in result.stderr
