"""``liveroom gifts list|add|send|copy-defaults``: an app's gifts from a shell, on the SDK (see ``remote``)."""

from __future__ import annotations

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

gifts_cli = typer.Typer(help="List, add and send gifts; install the default gift configuration.", no_args_is_help=True)


@gifts_cli.command("list")
def gifts_list(
    language: Annotated[str, typer.Option("--language", help="Names in this language where set (en, zh-CN ...)")] = "",
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the app's gifts, the cheapest first, with the categories they are in."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        listed = sdk.gifts.list(language=language or None)
    if json_out:
        _print_json(listed.to_wire())
        return
    categories: dict[str, list[str]] = {}
    for category in listed.category_list:
        for gift_id in category.gift_id_list:
            categories.setdefault(gift_id, []).append(category.category_name)
    table = Table("GiftId", "Name", "Coins", "Level", "Categories", "IconUrl", title=f"{listed.total_count} gifts")
    for gift in listed.gift_list:
        table.add_row(
            escape(gift.gift_id),
            escape(gift.name),
            f"{gift.coins:,}",
            str(gift.level),
            escape(", ".join(categories.get(gift.gift_id, []))),
            escape(gift.icon_url),
        )
    out.print(table)


@gifts_cli.command("add")
def gifts_add(
    gift_id: Annotated[str, typer.Argument(help="GiftId (1-20 bytes)")],
    name: Annotated[str, typer.Option("--name", help="DefaultName (1-20 bytes)")],
    coins: Annotated[int, typer.Option("--coins", min=0, help="The unit price in coins")],
    desc: Annotated[str | None, typer.Option("--desc", help="DefaultDesc (at most 20 bytes)")] = None,
    icon_url: Annotated[str | None, typer.Option("--icon-url", help="IconUrl")] = None,
    resource_url: Annotated[str | None, typer.Option("--resource-url", help="ResourceUrl (an animation)")] = None,
    level: Annotated[int | None, typer.Option("--level", min=0, help="Level")] = None,
    extension_info: Annotated[str | None, typer.Option("--extension-info", help="ExtensionInfo (JSON)")] = None,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a gift to the app's configuration."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        sdk.gifts.add(
            gift_id,
            coins,
            name,
            default_desc=desc,
            icon_url=icon_url,
            resource_url=resource_url,
            level=level,
            extension_info=extension_info,
        )
    if json_out:
        _print_json({})
    else:
        out.print(f"added gift [bold]{escape(gift_id)}[/bold] ({coins:,} coins)")


@gifts_cli.command("send")
def gifts_send(
    room_id: Annotated[str, typer.Argument(help="RoomId")],
    gift_id: Annotated[str, typer.Argument(help="GiftId")],
    sender: Annotated[str, typer.Option("--from", help="From_Account: the imported account that sends it")],
    receivers: Annotated[
        list[str] | None, typer.Option("--to", help="A receiver (repeat, at most 20; default: the room's owner)")
    ] = None,
    count: Annotated[int, typer.Option("--count", min=1, max=9999, help="How many")] = 1,
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Send gifts in a room and show the room's gift totals after them."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        to = receivers or [sdk.rooms.get_info(room_id).room_info.owner_account]
        sdk.gifts.send(room_id, gift_id, sender, to, count=count)
        totals = sdk.gifts.count(room_id, sender)
    if json_out:
        _print_json(totals.to_wire())
        return
    out.print(
        f"sent {count} x {escape(gift_id)} from {escape(sender)} to {escape(', '.join(to))} in {escape(room_id)}; "
        f"the room has {totals.total_count:,} gifts worth {totals.total_coins:,} coins from "
        f"{totals.gift_sender_count:,} senders (Sequence {totals.sequence})",
        soft_wrap=True,
    )


@gifts_cli.command("copy-defaults")
def gifts_copy_defaults(
    url: UrlOpt = None,
    sdkappid: SdkAppIdOpt = None,
    secret_key: SecretKeyOpt = None,
    identifier: IdentifierOpt = None,
    profile: ProfileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Install the default gift configuration (3 categories, 15 gifts) into an app that has none."""
    with connect(url, sdkappid, secret_key, identifier, profile, json_out=json_out) as sdk:
        sdk.gifts.copy_default_config()
    if json_out:
        _print_json({})
    else:
        out.print("installed the default gift configuration: 3 categories, 15 gifts")


def register(cli: typer.Typer) -> None:
    cli.add_typer(gifts_cli, name="gifts")
