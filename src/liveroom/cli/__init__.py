"""The ``liveroom`` command: server operations here, remote API calls in ``remote``."""

from __future__ import annotations

from liveroom.cli import gifts, join, remote
from liveroom.cli.server import cli

remote.register(cli)
gifts.register(cli)
join.register(cli)


def main() -> None:
    cli()


__all__ = ["cli", "main"]
