"""``liveroom battles get|score``: a battle and its scores from a shell, on the SDK (see ``remote``)."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from liveroom.cli.remote import (
    IdentifierOpt,
    JsonOpt,
    ProfileOpt,
    SdkAppIdOpt,
    SecretKeyOpt,
    UrlOpt,
    _print_json,
    connect,
    out,
)
from liveroom.client.models import BattleInfoResponse, ScoreItem

battles_cli = typer.Typer(help="Read a battle and change its scores.", no_args_is_help=True)

STATUS = {1: "waiting for answers", 2: "running", 3: "ended"}
_SCORE = re.compile(r"^(?P<room>.+)=(?P<score>\d+)$")


def _show(battle: BattleInfoResponse) -> None:
    rooms = [battle.from_room_info, *battle.to_room_list]
    table = Table(
        "RoomId",
        "Owner_Account",
        "Score",
        title=f"battle {escape(battle.battle_id)}: {STATUS.get(battle.status, str(battle.status))}, "
        f"{battle.duration // 1000} s from {battle.start_time} to {battle.end_time}",
    )
    for room in rooms:
        table.add_row(escape(room.room_id), escape(room.owner_account), f"{room.score:,}")
    out.print(table)


@battles_cli.command("get")
def battles_get(
    battle_id: Annotated[str | None, typer.Argument(help="BattleId (or give --room)")] = None,
    room_id: Annotated[str | None, typer.Option("--room", help="The battle this room takes part in now")] = None,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a battle: its status, times, rooms and scores."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        battle = sdk.battles.get_info(battle_id=battle_id, room_id=room_id)
    if json_out:
        _print_json(battle.to_wire())
    else:
        _show(battle)


@battles_cli.command("score")
def battles_score(
    battle_id: Annotated[str, typer.Argument(help="BattleId")],
    scores: Annotated[list[str], typer.Argument(help="ROOM=SCORE, one per room")],
    set_: Annotated[bool, typer.Option("--set", help="Set the scores (OpType 2) instead of adding to them")] = False,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add to the rooms' scores (or --set them), then show the battle."""
    items = []
    for text in scores:
        match = _SCORE.match(text)
        if match is None:
            raise typer.BadParameter(f"{text!r}: write ROOM=SCORE, SCORE a whole number", param_hint="SCORES")
        items.append(ScoreItem(room_id=match["room"], score=int(match["score"])))
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        answer = sdk.battles.set_score(battle_id, 2 if set_ else 1, items)
        battle = sdk.battles.get_info(battle_id=battle_id)
    if json_out:
        _print_json({**answer.to_wire(), "Battle": battle.to_wire()})
        return
    refused = {0: "", 4: "not in this battle", 5: "the battle has ended"}
    for result in answer.result:
        if result.result_code:
            why = refused.get(result.result_code, f"code {result.result_code}")
            out.print(f"{escape(result.room_id)}: not changed ({why})")
    _show(battle)


def register(cli: typer.Typer) -> None:
    cli.add_typer(battles_cli, name="battles")
