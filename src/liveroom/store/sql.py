"""SQL written once for SQLite and PostgreSQL: statements, their two renderings, and the driver boundary.

A statement is written in one dialect-neutral form, with ``?`` placeholders, and rendered for each database when it
is defined (never per call). What differs between the two is mechanical:

- placeholders: ``?`` for sqlite3, ``$1, $2 ...`` for asyncpg;
- a list parameter, written ``= ANY(?)``: PostgreSQL binds an array, SQLite reads the list as a JSON array through
  ``IN (SELECT value FROM json_each(?))`` (the driver encodes it);
- row locks, written ``FOR UPDATE`` or ``FOR KEY SHARE`` (optionally ``SKIP LOCKED``) at the end of the statement
  or of a parenthesised subquery: SQLite has one writer at a time and none;
- several data-changing statements run as one (``Batch``): one round trip on PostgreSQL, whose data-modifying
  CTEs all run whatever the outer statement reads; one after the other on SQLite, which has no round trips.

A backend supplies a ``Connection``: these few calls on its driver, nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol, TypeAlias

# A row as a driver answers it: a tuple (sqlite3) or a Record (asyncpg); read by position.
Row: TypeAlias = Sequence[Any]

_PLACEHOLDER = re.compile(r"\?")
_ANY = re.compile(r"= ANY\(\?\)")
# A row lock ends a statement or a subquery (the closing parenthesis follows it); SKIP LOCKED may follow it.
_LOCK = re.compile(r" FOR (?:UPDATE|NO KEY UPDATE|SHARE|KEY SHARE)(?: SKIP LOCKED)?(?=\)|$)")


class Statement:
    """One SQL statement, in the text each database runs. ``lists`` are the positions of list parameters."""

    __slots__ = ("lists", "postgres", "sqlite", "template")

    def __init__(self, template: str) -> None:
        if "'" in template or '"' in template:
            # Placeholders are found by a plain scan, which a literal could fool; values are always parameters.
            raise ValueError(f"a statement holds no quoted literal: {template!r}")
        self.template = template
        self.lists = tuple(_list_positions(template))
        self.sqlite = _LOCK.sub("", _ANY.sub("IN (SELECT value FROM json_each(?))", template))
        numbers = iter(range(1, template.count("?") + 1))
        self.postgres = _PLACEHOLDER.sub(lambda _m: f"${next(numbers)}", template)

    def __repr__(self) -> str:
        return f"Statement({self.template!r})"


def _list_positions(template: str) -> Iterable[int]:
    """The index, among all placeholders, of each one written ``= ANY(?)``."""
    marks = [m.start() for m in _PLACEHOLDER.finditer(template)]
    for m in _ANY.finditer(template):
        yield marks.index(m.end() - 2)


@lru_cache(maxsize=256)
def update_statement(table: str, key: str, columns: tuple[str, ...]) -> Statement:
    """``UPDATE table SET columns WHERE key``, made once per set of columns. The names come from the fields of a
    changes record (``records.RoomChanges`` ...), never from input."""
    assignments = ", ".join(f"{name} = ?" for name in columns)
    return Statement(f"UPDATE {table} SET {assignments} WHERE {key}")  # noqa: S608


class Batch:
    """Data-changing statements run together; the rows of the last one are answered.

    ``args`` of a run are the concatenated parameters of every statement, in order: on PostgreSQL the statements
    become one (each but the last a ``WITH`` part), on SQLite each takes its own share.
    """

    __slots__ = ("postgres", "sqlite", "widths")

    def __init__(self, *templates: str) -> None:
        if not templates:
            raise ValueError("a batch holds at least one statement")
        self.sqlite = tuple(Statement(t) for t in templates)
        self.widths = tuple(t.count("?") for t in templates)
        *parts, last = templates
        combined = ", ".join(f"b{i} AS ({part})" for i, part in enumerate(parts))
        self.postgres = Statement(f"WITH {combined} {last}" if parts else last)


class Connection(Protocol):
    """What a backend's driver does for the shared transaction, one call per statement.

    ``execute`` answers how many rows the statement changed. A list parameter is passed as a Python list.
    """

    async def fetchall(self, statement: Statement, args: Sequence[Any] = ()) -> list[Row]: ...
    async def fetchone(self, statement: Statement, args: Sequence[Any] = ()) -> Row | None: ...
    async def execute(self, statement: Statement, args: Sequence[Any] = ()) -> int: ...
    async def executemany(self, statement: Statement, rows: Iterable[Sequence[Any]]) -> None: ...
    async def run_batch(self, batch: Batch, args: Sequence[Any]) -> list[Row]: ...
    async def notify_apps_changed(self, version: int) -> None:
        """Tell other processes, when this transaction commits, that apps changed (a backend may rely on polling)."""
        ...
