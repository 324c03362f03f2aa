"""The SDK without the server: the core install is what ``liveroom.client`` needs; the command line, the server,
PostgreSQL and Redis are extras, and a command that needs a missing one says which to install, in one line."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys

import pytest
from packaging.requirements import Requirement

from liveroom.cli.exits import ExitStatus
from liveroom.cli.preflight import EXTRAS
from tests.cli.processes import CLI_MODULES, POSTGRES_MODULES, SERVER_MODULES, liveroom, one_error_line
from tests.test_server_process import free_port

SERVER_PACKAGES = {
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "limits",
    "prometheus_client",
    "asyncpg",
    "redis",
    "jinja2",
    "argon2",
    "python_multipart",
}


def modules_after(statement: str) -> set[str]:
    """The modules a fresh interpreter has loaded after ``statement``."""
    code = f"{statement}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    return set(result.stdout.split())


@pytest.mark.parametrize(
    "statement",
    [
        "import liveroom.client",
        "from liveroom.client import AsyncClient, Client, RealtimeClient",
        "import liveroom.cli.commands",  # the command line as a whole: server commands import the server when run
    ],
)
def test_the_sdk_and_the_command_line_load_none_of_the_server(statement: str) -> None:
    loaded = modules_after(statement)
    assert {name.split(".")[0] for name in loaded} & SERVER_PACKAGES == set()
    if "commands" not in statement:
        assert "typer" not in loaded
    server_parts = ("liveroom.api", "liveroom.domain", "liveroom.realtime", "liveroom.cluster")
    assert [name for name in loaded if name.startswith(server_parts)] == []
    assert [name for name in loaded if name.startswith("liveroom.store.")] == []


def requirements(distribution: str, extras: set[str]) -> list[Requirement]:
    """The requirements of ``distribution`` installed with ``extras``."""
    found = []
    for line in importlib.metadata.requires(distribution) or []:
        requirement = Requirement(line)
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras or {""}):
            found.append(requirement)
    return found


def closure(extras: set[str]) -> set[str]:
    """The distributions ``pip install liveroom[EXTRAS]`` installs (normalized names, liveroom included)."""
    seen: set[str] = set()
    todo = [Requirement(f"liveroom[{','.join(sorted(extras))}]" if extras else "liveroom")]
    while todo:
        requirement = todo.pop()
        name = re.sub(r"[-_.]+", "-", requirement.name).lower()
        key = f"{name}[{','.join(sorted(requirement.extras))}]"
        if key in seen:
            continue
        seen.add(key)
        todo.extend(requirements(name, set(requirement.extras)))
    return {key.partition("[")[0] for key in seen}


def providers(module: str) -> set[str]:
    return {re.sub(r"[-_.]+", "-", name).lower() for name in importlib.metadata.packages_distributions()[module]}


def test_the_core_install_is_the_sdk_alone() -> None:
    core = closure(set())
    for module in SERVER_PACKAGES | {"uvloop", "httptools", "greenlet", "typer", "rich"}:
        assert not providers(module) & core, module
    for module in ("msgspec", "httpx", "anyio", "websockets"):
        assert providers(module) & core, module


def test_the_server_brings_the_command_line_it_is_run_with() -> None:
    assert closure({"cli"}) <= closure({"server"})


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_each_extra_installs_the_modules_the_command_line_checks_for(extra: str) -> None:
    installed = closure({extra})
    for module in EXTRAS[extra]:
        assert providers(module) & installed, f"liveroom[{extra}] does not install {module}"


def test_the_cluster_extra_is_a_whole_node() -> None:
    assert closure({"server", "postgres", "redis"}) <= closure({"cluster"})


def test_without_the_cli_extra_the_command_names_it() -> None:
    result = liveroom("rooms", "list", without=CLI_MODULES)
    assert result.returncode == ExitStatus.MISSING_EXTRA
    line = one_error_line(result)
    assert "the liveroom command needs the cli extra, which is not installed (no module typer)" in line
    assert "pip install '.[cli]'" in line
    sdk = subprocess.run(
        [sys.executable, "-c", "import sys\nfor m in ('typer', 'rich'): sys.modules[m] = None\nimport liveroom.client"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert sdk.returncode == 0, sdk.stderr


def test_without_the_server_extra_the_remote_commands_work() -> None:
    listed = liveroom("--help", without=SERVER_MODULES)
    assert listed.returncode == 0, listed.stderr
    for command in ("serve", "app", "usersig", "db", "rooms", "accounts", "metadata", "call", "join"):
        assert re.search(rf"^\W*{command}\b", listed.stdout, re.M), command
    rooms = liveroom("rooms", "list", "--help", without=SERVER_MODULES)
    assert rooms.returncode == 0, rooms.stderr


@pytest.mark.parametrize(
    "command",
    [("serve",), ("serve", "--dev"), ("app", "list"), ("app", "create"), ("db", "upgrade"), ("db", "current")],
    ids=" ".join,
)
def test_without_the_server_extra_a_server_command_names_it(command: tuple[str, ...]) -> None:
    result = liveroom(*command, "--database", "sqlite:///never.db", without=SERVER_MODULES)
    assert result.returncode == ExitStatus.MISSING_EXTRA
    line = one_error_line(result)
    assert "needs the server extra, which is not installed" in line
    assert "pip install '.[server]' in a checkout of liveroom" in line


@pytest.mark.parametrize("command", [("serve", "--port", str(free_port())), ("db", "current"), ("app", "list")])
def test_without_the_postgres_extra_a_postgresql_url_names_it(command: tuple[str, ...]) -> None:
    result = liveroom(*command, "--database", "postgresql://u@127.0.0.1:5432/db", without=POSTGRES_MODULES)
    assert result.returncode == ExitStatus.MISSING_EXTRA
    line = one_error_line(result)
    assert "a postgresql:// database URL (--database / LIVEROOM_DATABASE_URL) needs the postgres extra" in line
    assert "pip install '.[postgres]'" in line
