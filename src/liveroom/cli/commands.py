"""The ``liveroom`` command as one Typer app: the server's commands (``server``), the API's (``remote``) and
``join``."""

from __future__ import annotations

from liveroom.cli import join, remote, webhooks  # noqa: F401 - importing adds the webhooks commands
from liveroom.cli.server import cli

remote.register(cli)
join.register(cli)

__all__ = ["cli"]
