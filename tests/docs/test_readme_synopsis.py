"""The README's synopsis of the server's commands ("Operating liveroom") names every option each command has, and
none it does not, as ``liveroom COMMAND --help`` lists them."""

from __future__ import annotations

import re

import pytest

from tests.cli.processes import liveroom
from tests.docs.markdown import ROOT, blocks

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z-]*")


def synopsis() -> dict[tuple[str, ...], set[str]]:
    """The options of each command line of the synopsis (continuation lines belong to the line above)."""
    block = next(b for b in blocks(ROOT / "README.md") if b.section == "Operating liveroom" and b.language == "text")
    commands: dict[tuple[str, ...], set[str]] = {}
    current: tuple[str, ...] = ()
    for line in block.code.splitlines():
        if line.startswith("liveroom "):
            words = line.split("#")[0].split()
            current = tuple(w for w in words[1:3] if re.fullmatch(r"[a-z][a-z-]*", w))
            commands[current] = set()
        commands[current] |= set(OPTION.findall(line.split("#")[0]))
    return commands


def help_options(*command: str) -> set[str]:
    result = liveroom(*command, "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    return set(OPTION.findall(result.stdout)) - {"--help"}


def test_serve_synopsis_names_every_option_of_serve_help() -> None:
    assert synopsis()[("serve",)] == help_options("serve")


@pytest.mark.parametrize(
    ("command", "documented"),
    [
        (("app", "create"), ("app", "create")),
        (("app", "quota"), ("app", "quota")),
        (("usersig",), ("usersig",)),
    ],
)
def test_other_synopsis_lines_name_real_options(command: tuple[str, ...], documented: tuple[str, ...]) -> None:
    assert synopsis()[documented] <= help_options(*command) - {"--database"}
