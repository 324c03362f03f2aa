"""The ``liveroom`` command as one Typer app: the server's commands (``server``, ``webhooks``), the API's
(``remote``, ``gifts``) and ``join``."""

from __future__ import annotations

from liveroom.cli import battles, gifts, join, operators, remote, webhooks  # noqa: F401 - importing adds their commands
from liveroom.cli.server import cli

remote.register(cli)
gifts.register(cli)
battles.register(cli)
join.register(cli)

__all__ = ["cli"]
