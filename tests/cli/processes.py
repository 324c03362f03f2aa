"""The ``liveroom`` command run as a user runs it: a process of its own, a clean environment, stderr as a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from liveroom.cli.preflight import EXTRAS
from tests.test_server_process import clean_env, liveroom_command

CLI_MODULES = EXTRAS["cli"]
SERVER_MODULES = EXTRAS["server"]
POSTGRES_MODULES = EXTRAS["postgres"]
REDIS_MODULES = EXTRAS["redis"]

# ``sys.modules[name] = None`` is how Python marks a module as absent: ``import`` raises ModuleNotFoundError and
# ``importlib.util.find_spec`` answers None, exactly as when its package is not installed.
_WITHOUT = "import sys\nfor name in {names!r}: sys.modules[name] = None\nsys.argv[0] = 'liveroom'\n"
_MAIN = "from liveroom.cli import main\nmain()\n"


def liveroom(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    without: Iterable[str] = (),
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``liveroom ARGS``; ``without``: modules to treat as not installed (an extra left out)."""
    environment = {**clean_env(), "COLUMNS": "60", **(env or {})}
    absent = tuple(without)
    if absent:
        command = [sys.executable, "-c", _WITHOUT.format(names=absent) + _MAIN, *args]
    else:
        command = [*liveroom_command(), *args]
    return subprocess.run(
        command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``error: ...`` line a failed command printed on stderr (and nothing else, nothing on stdout)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert result.stdout == "", result.stdout
    return lines[0]


def files_in(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))
