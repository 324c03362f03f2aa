"""Bulk seeding: N public rooms written straight into a migrated database in one transaction (SQLite: batched
INSERTs; PostgreSQL: one COPY).

Going through HTTP would take minutes at a million rooms; the rows written here are the ones the store's
``insert_room`` writes (the column list comes from ``RoomRecord``, so a new column fails loudly here).
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing

from liveroom.store.interface import RoomRecord

ROOM_PREFIX = "room-"
OWNER = "administrator"
BATCH = 50_000


def room_id(index: int) -> str:
    return f"{ROOM_PREFIX}{index}"


def _template(now: int) -> dict[str, object]:
    return {
        "room_type": "Live",
        "owner_account": OWNER,
        "create_time": now,
        "is_seat_enabled": False,
        "seat_template": "",
        "seat_layout_template_id": None,
        "take_seat_mode": "FreeToTake",
        "max_seat_count": 0,
        "max_member_count": 1000,
        "is_message_disabled": False,
        "is_public_visible": True,
        "is_unlimited_room_enabled": False,
        "cover_url": "https://example.com/cover.png",
        "category": "[1,2]",
        "activity_status": 0,
        "notice": "welcome",
        "total_gifts_sent": 0,
        "total_gift_coins": 0,
        "total_unique_gift_senders": 0,
        "total_likes_received": 0,
        "total_msg_count": 0,
        "gift_sequence": 0,
    }


def _rows(sdkappid: int, count: int, fields: tuple[str, ...], now: int) -> Iterator[tuple[object, ...]]:
    rng = random.Random(5)  # reproducible data
    template = _template(now)
    for index in range(count):
        values = dict(template)
        values["room_id"] = room_id(index)
        values["room_name"] = f"bench room {index}"
        values["create_time"] = now - index
        values["view_count"] = rng.randrange(100_000)
        yield (
            sdkappid,
            *(values[name] for name in fields),
            -values["view_count"],  # type: ignore[operator]
            -values["create_time"],  # type: ignore[operator]
        )


def _fields() -> tuple[str, ...]:
    fields = tuple(RoomRecord.__struct_fields__)
    missing = set(fields) - {"room_id", "room_name", "view_count", *_template(0)}
    if missing:
        raise RuntimeError(f"bench/seed.py does not know the room columns {sorted(missing)}; add them")
    return fields


def _columns(fields: tuple[str, ...]) -> tuple[str, ...]:
    return ("sdkappid", *fields, "sort_views", "sort_created")


def seed_rooms(db_path: str, sdkappid: int, count: int) -> float:
    """Insert rooms ``room-0`` .. ``room-{count-1}``; answers the seconds it took."""
    fields = _fields()
    columns = ", ".join(_columns(fields))
    marks = ", ".join("?" * (len(fields) + 3))
    started = time.perf_counter()
    with closing(sqlite3.connect(db_path, isolation_level=None)) as db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("PRAGMA cache_size = -262144")
        db.execute("BEGIN")
        rows = _rows(sdkappid, count, fields, int(time.time()))
        while True:
            batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
            if not batch:
                break
            db.executemany(f"INSERT INTO rooms ({columns}) VALUES ({marks})", batch)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def count_rooms(db_path: str, prefix: str) -> int:
    with closing(sqlite3.connect(db_path)) as db:
        row = db.execute(
            "SELECT count(*) FROM rooms WHERE room_id >= ? AND room_id < ?", (prefix, prefix + "\x7f")
        ).fetchone()
        return int(row[0])


def gift_counters(db_path: str) -> tuple[int, int]:
    """(gifts sent in every room, the sum of their Sequences; rooms whose TotalUniqueGiftSenders is not the number
    of their rows in the sender set)."""
    with closing(sqlite3.connect(db_path)) as db:
        sent = db.execute("SELECT coalesce(sum(gift_sequence), 0) FROM rooms").fetchone()[0]
        skewed = db.execute(
            "SELECT count(*) FROM rooms r WHERE total_unique_gift_senders != "
            "(SELECT count(*) FROM room_gift_senders s WHERE s.sdkappid = r.sdkappid AND s.room_id = r.room_id)"
        ).fetchone()[0]
        return int(sent), int(skewed)


def seed_rooms_postgres(url: str, sdkappid: int, count: int) -> float:
    """The same rooms into the ``rooms`` table of a migrated PostgreSQL schema (``url`` names it), by COPY."""
    import psycopg  # the postgres extra; `python -m bench` on SQLite runs without it
    from psycopg import sql

    fields = _fields()
    copy_sql = sql.SQL("COPY rooms ({}) FROM STDIN").format(sql.SQL(", ").join(map(sql.Identifier, _columns(fields))))
    started = time.perf_counter()
    with psycopg.connect(url) as db:
        with db.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in _rows(sdkappid, count, fields, int(time.time())):
                copy.write_row(row)
        db.commit()
        db.autocommit = True
        db.execute("VACUUM ANALYZE rooms")  # what autovacuum would soon do: planner statistics, visibility map
    return time.perf_counter() - started


def count_rooms_postgres(url: str, prefix: str) -> int:
    import psycopg

    with psycopg.connect(url) as db:
        row = db.execute("SELECT count(*) FROM rooms WHERE starts_with(room_id, %s)", (prefix,)).fetchone()
        return int(row[0]) if row else 0
