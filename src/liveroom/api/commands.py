"""Every API family the server answers: the explicit list its command registry is built from.

A module of ``@command`` entries left out of ``API_MODULES`` is not served; tests/api/test_commands.py fails when
a module under ``liveroom.api`` declares commands and is not listed here.
"""

from __future__ import annotations

from liveroom.api import (
    accounts,
    battles,
    gift_catalog,
    gift_categories,
    gifts,
    live_config,
    members,
    messages,
    metadata,
    robots,
    rooms,
    seats,
)
from liveroom.api.registry import Registry

API_MODULES = (
    accounts,
    rooms,
    members,
    metadata,
    messages,
    robots,
    seats,
    gift_catalog,
    gift_categories,
    gifts,
    battles,
    live_config,
)

REGISTRY = Registry.of(API_MODULES)
