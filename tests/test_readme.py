"""The README's table of supported APIs and configuration reference stay true to the code."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from liveroom.api.commands import REGISTRY
from liveroom.settings import Settings

README = (Path(__file__).parent.parent / "README.md").read_text()


def test_every_registered_api_is_in_the_readme_table_with_its_rate() -> None:
    rows = dict(re.findall(r"^\| `v4/([a-z_]+/[a-z_]+)` \| .+? \| (.+?) \|$", README, re.M))
    registered = {f"{c.service}/{c.name}": c for c in REGISTRY}
    assert set(rows) == set(registered)
    for path, command in registered.items():
        assert rows[path] == str(command.rate.calls if command.rate.seconds == 1 else command.rate), path


def test_every_setting_is_in_the_configuration_reference() -> None:
    documented = set(re.findall(r"^\| `(LIVEROOM_[A-Z_]+)` \|", README, re.M))
    settings = {f"LIVEROOM_{f.name.upper()}" for f in fields(Settings)}
    assert documented == settings
