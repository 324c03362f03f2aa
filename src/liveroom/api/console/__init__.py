"""The web console at ``/console``: operators sign in and run every app's rooms from a browser.

Pages are rendered on the server (Jinja2); the browser gets them with Pico CSS and htmx, shipped in the package
(``liveroom/static/console/vendor``, copied from the npm packages ``console/package-lock.json`` pins). A change
goes through the same command as the REST API (``Console.call``): the same checks, events and webhooks.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount

from liveroom.api.console.accounts import AccountPages
from liveroom.api.console.app_settings import AppSettings
from liveroom.api.console.apps import AppPages
from liveroom.api.console.context import Console
from liveroom.api.console.dashboard import Dashboard
from liveroom.api.console.gifts import GiftPages
from liveroom.api.console.room_stream import RoomWatch
from liveroom.api.console.rooms import RoomPages
from liveroom.api.console.signin import SignIn
from liveroom.api.console.usersigs import UserSigs
from liveroom.api.console.webhooks import WebhookPages

__all__ = ["Console", "RoomWatch", "mount"]


def mount(console: Console) -> Mount:
    routes: list[BaseRoute] = [
        *SignIn(console).routes(),
        *AppPages(console).routes(),
        *AppSettings(console).routes(),
        *RoomPages(console).routes(),
        *AccountPages(console).routes(),
        *WebhookPages(console).routes(),
        *GiftPages(console).routes(),
        *UserSigs(console).routes(),
        *Dashboard(console).routes(),
    ]
    return Mount("/console", routes=routes)
