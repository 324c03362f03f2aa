"""What ``liveroom.client`` promises: its public names, its typing marker, that it stays apart from the server."""

from __future__ import annotations

import inspect
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import liveroom.client
from liveroom.api.commands import REGISTRY
from liveroom.client import OPERATIONS, AsyncClient, Client, codegen

ROOT = Path(__file__).resolve().parents[2]


def test_all_is_pinned() -> None:
    assert liveroom.client.__all__ == [
        "DEFAULT_BASE_URL",
        "OPERATIONS",
        "AsyncClient",
        "AuthenticationError",
        "Client",
        "ConflictError",
        "ConnectionClosedError",
        "Entered",
        "InvalidParameterError",
        "LiveroomError",
        "Model",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitedError",
        "RealtimeClient",
        "Retry",
        "RoomEvent",
        "ServerError",
        "UnexpectedResponseError",
    ]
    for name in liveroom.client.__all__:
        assert getattr(liveroom.client, name) is not None


def test_exception_tree_is_drawn_in_the_errors_docstring() -> None:
    doc = liveroom.client.errors.__doc__ or ""
    for name in ("LiveroomError(code, info, request_id)", "AuthenticationError", "RateLimitedError", "NotFoundError"):
        assert name in doc
    for name in ("InvalidParameterError", "ConflictError", "ServerError", "PermissionDeniedError"):
        assert name in doc
        assert issubclass(getattr(liveroom.client, name), liveroom.client.LiveroomError)


def test_importing_the_sdk_loads_no_server_code() -> None:
    code = (
        "import sys, liveroom.client\n"
        "server = {'starlette', 'sqlalchemy', 'uvicorn', 'alembic', 'typer', 'limits', 'liveroom.api',"
        " 'liveroom.domain', 'liveroom.store', 'liveroom.cli', 'liveroom.settings'}\n"
        "print(sorted(m for m in sys.modules if any(m == s or m.startswith(s + '.') for s in server)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_generated_code_is_up_to_date() -> None:
    current = (ROOT / "src/liveroom/client/_generated.py").read_text(encoding="utf-8")
    assert current == codegen.generate(), "run: python -m liveroom.client.codegen"


def test_every_registry_command_has_a_method_on_both_clients() -> None:
    assert sorted((op.endpoint.service, op.endpoint.command) for op in OPERATIONS) == sorted(
        (c.service, c.name) for c in REGISTRY
    )
    for op in OPERATIONS:
        sync_group = inspect.get_annotations(Client.__mro__[1], eval_str=True)[op.group]
        async_group = inspect.get_annotations(AsyncClient.__mro__[1], eval_str=True)[op.group]
        assert callable(getattr(sync_group, op.method))
        assert inspect.iscoroutinefunction(getattr(async_group, op.method))
        assert op.endpoint.path in (getattr(sync_group, op.method).__doc__ or "")


def test_the_docs_reference_is_up_to_date() -> None:
    checked = 0
    for doc in (ROOT / "docs/sdk.md", ROOT / "README.md"):
        if doc.exists() and codegen.DOCS_BEGIN in doc.read_text(encoding="utf-8"):
            text = doc.read_text(encoding="utf-8")
            assert codegen.reference() in text, f"run: python -m liveroom.client.codegen --docs {doc.relative_to(ROOT)}"
            checked += 1
    assert checked, "no file carries the generated API reference"


def test_python_names_are_derived_for_commands_added_later() -> None:
    class Fake:
        def __init__(self, service: str, name: str) -> None:
            self.service, self.name = service, name

    cases = {
        ("live_engine_http_srv", "add_robot"): ("robots", "add"),
        ("live_engine_http_srv", "del_robot"): ("robots", "delete"),
        ("room_engine_http_mic", "get_seat_list"): ("seats", "list"),
        ("room_engine_http_mic", "lock_seat"): ("seats", "lock"),
        ("live_engine_http_pk", "create_battle"): ("battles", "create"),
        ("live_engine_http_srv", "get_gift_rank_list"): ("gifts", "list_rank"),
    }
    for (service, name), expected in cases.items():
        assert codegen.python_name(Fake(service, name)) == expected  # type: ignore[arg-type]
    assert codegen.snake("NewOwner_Account") == "new_owner_account"
    assert codegen.snake("UserID") == "user_id"
    assert codegen.snake("CoverURL") == "cover_url"


def test_py_typed_is_in_the_package() -> None:
    assert (ROOT / "src/liveroom/py.typed").is_file()


@pytest.mark.slow
def test_the_wheel_ships_py_typed_the_sdk_and_the_gift_icons(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("liveroom-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"liveroom/py.typed", "liveroom/client/__init__.py", "liveroom/client/_generated.py"} <= names
    icons = {f"liveroom/static/gifts/{path.name}" for path in (ROOT / "src/liveroom/static/gifts").glob("*.svg")}
    assert len(icons) == 15
    assert icons <= names


def test_models_module_exports_every_request_and_result_type() -> None:
    import liveroom.client.models as models
    from liveroom.client import Model

    exported = {name for name in dir(models) if not name.startswith("_")}
    used = {op.request.__name__ for op in OPERATIONS} | {op.response.__name__ for op in OPERATIONS if op.response}
    assert used <= exported
    for name in exported - {"annotations"}:
        value = getattr(models, name)
        assert isinstance(value, type) and issubclass(value, Model), name
