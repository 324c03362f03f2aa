"""The ``liveroom`` command (``commands``): server operations in ``server``, remote API calls in ``remote``.

It needs the ``cli`` extra (Typer, Rich), which the ``server`` extra includes; the SDK alone does not. Without it,
``liveroom`` says so in one line instead of a traceback, so nothing here imports Typer before ``main`` runs.
"""

from __future__ import annotations

import sys

CLI_MODULES = ("typer", "rich")
MISSING_EXTRA = 10  # exits.ExitStatus.MISSING_EXTRA, which cannot be imported without the extra


def main() -> None:
    try:
        from liveroom.cli.commands import cli  # noqa: PLC0415 - the cli extra, reported below when missing
    except ModuleNotFoundError as exc:
        if exc.name not in CLI_MODULES:
            raise
        from liveroom import __version__  # noqa: PLC0415

        print(
            f"error: the liveroom command needs the cli extra, which is not installed (no module {exc.name}): "
            f"pip install '.[cli]' in a checkout of liveroom, or pip install "
            f"'liveroom-{__version__}-py3-none-any.whl[cli]' (docs/deploy.md)",
            file=sys.stderr,
        )
        raise SystemExit(MISSING_EXTRA) from None
    cli()


__all__ = ["main"]
