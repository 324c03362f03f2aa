"""The server's commands come from one explicit list of API modules, and no module of commands is left out."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import msgspec
import pytest

import liveroom.api
from liveroom.api.commands import API_MODULES, REGISTRY
from liveroom.api.registry import DECLARED, Registry, command


def test_every_api_module_that_declares_commands_is_served() -> None:
    for info in pkgutil.iter_modules(liveroom.api.__path__, "liveroom.api."):
        importlib.import_module(info.name)
    listed = {module.__name__ for module in API_MODULES}
    assert set(DECLARED) <= listed, f"declare commands but are not in API_MODULES: {sorted(set(DECLARED) - listed)}"
    served = {c.path for c in REGISTRY}
    assert served == {c.path for name in listed for c in DECLARED[name]}


def test_a_listed_module_without_commands_is_refused() -> None:
    with pytest.raises(ValueError, match="declares no @command"):
        Registry.of([ModuleType("liveroom.api.nothing_here")])


def test_a_path_declared_twice_is_refused() -> None:
    class Ping(msgspec.Struct):
        pass

    registry = Registry()

    async def first(*_: object) -> None:
        return None

    command("x_srv", "ping", request=Ping, registry=registry)(first)
    with pytest.raises(ValueError, match="registered twice"):
        command("x_srv", "ping", request=Ping, registry=registry)(first)
