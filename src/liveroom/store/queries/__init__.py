"""The SQL of the store, one module per family of tables, each a part of ``Transaction``.

A module holds its statements (``sql.Statement``: written once, rendered for each database) and a class of the
operations on them. ``store.transaction.Transaction`` inherits every such class; each reads and writes through
``self._db``, the backend's ``Connection``, and locks what it reads when ``self._write`` (see ``transaction``).
"""

from __future__ import annotations

from liveroom.store.sql import Connection


class Queries:
    """What every part of ``Transaction`` uses."""

    __slots__ = ("_db", "_write", "apps_changed", "outbox_written")

    def __init__(self, db: Connection, *, write: bool) -> None:
        self._db = db
        self._write = write
        # Set by every write to the app tables: once committed, this process reads the apps again.
        self.apps_changed = False
        # Set by every write to the webhook outbox: once committed, this process's sender is woken.
        self.outbox_written = False
