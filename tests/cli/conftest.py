"""CLI fixtures: the real server on a port (from ``tests.client.servers``)."""

from tests.client.servers import start_threaded, threaded

__all__ = ["start_threaded", "threaded"]
