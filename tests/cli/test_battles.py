"""``liveroom battles get|score`` against a real server."""

from __future__ import annotations

import json

from liveroom.client import Client
from tests.cli.test_remote import Run, as_json, env, ok, run
from tests.client.servers import ThreadedServer
from tests.helpers import SDKAPPID, SECRET_KEY

__all__ = ["env", "run"]  # fixtures, imported to be found by pytest


def test_score_then_get_a_battle(run: Run, threaded: ThreadedServer) -> None:
    with Client(threaded.base_url, sdkappid=SDKAPPID, secret_key=SECRET_KEY) as sdk:
        sdk.accounts.import_many(accounts=["ann", "ben"])
        sdk.rooms.create("red", owner_account="ann")
        sdk.rooms.create("blue", owner_account="ben")
        created = sdk.battles.create("red", ["blue"], 60000)
    battle_id = created.battle_id
    shown = ok(run("battles", "score", battle_id, "red=10", "blue=4", "elsewhere=1")).stdout
    assert "elsewhere: not changed (not in this battle)" in shown
    assert "running" in shown and "10" in shown and "ann" in shown
    answer = as_json(run("battles", "score", battle_id, "blue=25", "--set", "--json"))
    assert answer["Result"] == [{"RoomId": "blue", "ResultCode": 0}]
    read = as_json(run("battles", "get", "--room", "blue", "--json"))
    assert read == answer["Battle"]
    assert (read["BattleId"], read["Status"], read["FromRoomInfo"]["Score"]) == (battle_id, 2, 10)
    assert read["ToRoomList"] == [{"RoomId": "blue", "Score": 25, "Owner_Account": "ben"}]
    assert "ben" in ok(run("battles", "get", battle_id)).stdout
    bad = run("battles", "score", battle_id, "red:5")
    assert bad.exit_code != 0 and "ROOM=SCORE" in bad.stderr
    missing = run("battles", "get", "no-such-battle", "--json")
    assert missing.exit_code == 1
    assert json.loads(missing.stdout)["ErrorCode"] == 100004
