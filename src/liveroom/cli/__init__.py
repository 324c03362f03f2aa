"""The ``liveroom`` command: server operations here, remote API calls in ``remote``."""

from __future__ import annotations

from liveroom.cli import join, remote, webhooks
from liveroom.cli.server import cli

remote.register(cli)
join.register(cli)


def main() -> None:
    cli()


__all__ = ["cli", "main", "webhooks"]
