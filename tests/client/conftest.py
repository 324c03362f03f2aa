"""SDK fixtures (defined in ``tests.client.servers``, shared with the CLI tests)."""

from tests.client.servers import aclient, asgi_http, start_threaded, threaded

__all__ = ["aclient", "asgi_http", "start_threaded", "threaded"]
