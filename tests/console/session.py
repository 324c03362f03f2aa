"""A console client signed in or not, and the CSRF token of a page (tests/console/conftest.py signs in)."""

from __future__ import annotations

import re

import httpx

from liveroom.api.app import LiveroomApp

PASSWORD = "a long password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def console_client(app: LiveroomApp, address: str = "203.0.113.9") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://liveroom.test")


async def csrf_of(client: httpx.AsyncClient, path: str = "/console/apps") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)
