"""``--redis`` / ``LIVEROOM_REDIS_URL``: empty means one node; anything else must be a Redis URL."""

from __future__ import annotations

import pytest

from liveroom.api.app import create_app
from liveroom.settings import Settings, SettingsError


def test_an_empty_redis_url_means_one_node_without_redis(database_url: str) -> None:
    settings = Settings.from_env({"LIVEROOM_REDIS_URL": "", "LIVEROOM_DATABASE_URL": database_url})
    assert settings.redis_url == ""
    assert create_app(settings).cluster is None


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example:6380", "unix:///run/redis.sock"])
def test_redis_urls_are_accepted_from_the_environment(url: str) -> None:
    assert Settings.from_env({"LIVEROOM_REDIS_URL": url}).redis_url == url


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "http://127.0.0.1:6379", "postgresql://x@y/z"])
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(SettingsError, match="redis_url"):
        Settings.from_env({"LIVEROOM_REDIS_URL": url})


def test_the_prefix_must_not_be_empty() -> None:
    with pytest.raises(SettingsError, match="redis_prefix"):
        Settings(redis_prefix="").check()
