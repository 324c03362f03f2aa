"""``/realtime`` goes straight to the gateway's endpoint, past Starlette's router: on the path the router matches."""

from __future__ import annotations

import pytest
from starlette._utils import get_route_path

from liveroom.api.app import _route_path


@pytest.mark.parametrize(
    ("root_path", "path"),
    [
        ("", "/realtime"),
        ("", "/realtime/"),
        ("/live", "/live/realtime"),
        ("/live", "/realtime"),
        ("/live", "/liverealtime"),
        ("/realtime", "/realtime"),
        ("/realt", "/realtime"),
        ("/live", "/live"),
    ],
)
def test_the_route_path_is_the_one_starlette_routes_on(root_path: str, path: str) -> None:
    scope = {"type": "websocket", "path": path, "root_path": root_path}
    assert _route_path(scope) == get_route_path(scope)
