"""Gifts: an app's gift configuration (gifts, categories, their other languages, which gifts a category holds) and
the gifts sent in a room, counted in the room's row.

The configuration belongs to the app, not to a room. In a write transaction, checking that gifts or a category
exist keeps them from deletion until the end (``FOR KEY SHARE``), and deleting one locks its row before its
languages and relations go, so that a language or relation written meanwhile is never left behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from liveroom.store.queries import Queries
from liveroom.store.records import (
    CategoryChanges,
    CategoryRecord,
    GiftChanges,
    GiftRecord,
    GiftTotals,
    Translation,
    given_fields,
)
from liveroom.store.sql import Batch, Row, Statement, update_statement

_GIFT_COLUMNS = ", ".join(GiftRecord.__struct_fields__)
_CATEGORY_COLUMNS = ", ".join(CategoryRecord.__struct_fields__)

_GET_GIFT = Statement(f"SELECT {_GIFT_COLUMNS} FROM gifts WHERE sdkappid = ? AND gift_id = ?")  # noqa: S608
# The order of every list of gifts: the cheapest first, as a gift panel shows them.
_LIST_GIFTS = Statement(f"SELECT {_GIFT_COLUMNS} FROM gifts WHERE sdkappid = ? ORDER BY coins, gift_id")  # noqa: S608
_INSERT_GIFT = Statement(
    f"INSERT INTO gifts (sdkappid, {_GIFT_COLUMNS}) "  # noqa: S608
    f"VALUES ({', '.join('?' * (len(GiftRecord.__struct_fields__) + 1))}) ON CONFLICT (sdkappid, gift_id) DO NOTHING"
)
_EXISTING_GIFTS = Statement("SELECT gift_id FROM gifts WHERE sdkappid = ? AND gift_id = ANY(?)")
_EXISTING_GIFTS_KEPT = Statement(_EXISTING_GIFTS.template + " FOR KEY SHARE")
_LOCK_GIFT = Statement("SELECT gift_id FROM gifts WHERE sdkappid = ? AND gift_id = ? FOR UPDATE")
_DELETE_GIFT = Batch(
    "DELETE FROM gift_languages WHERE sdkappid = ? AND gift_id = ?",
    "DELETE FROM gift_category_relations WHERE sdkappid = ? AND gift_id = ?",
    "DELETE FROM gifts WHERE sdkappid = ? AND gift_id = ? RETURNING gift_id",
)
_CONFIG_SIZE = Statement(
    "SELECT (SELECT count(*) FROM gifts WHERE sdkappid = ?), (SELECT count(*) FROM gift_categories WHERE sdkappid = ?)"
)

_GET_CATEGORY = Statement(
    f"SELECT {_CATEGORY_COLUMNS} FROM gift_categories WHERE sdkappid = ? AND category_id = ?"  # noqa: S608
)
_GET_CATEGORY_KEPT = Statement(_GET_CATEGORY.template + " FOR KEY SHARE")
_LIST_CATEGORIES = Statement(
    f"SELECT {_CATEGORY_COLUMNS} FROM gift_categories WHERE sdkappid = ? ORDER BY category_id"  # noqa: S608
)
_INSERT_CATEGORY = Statement(
    f"INSERT INTO gift_categories (sdkappid, {_CATEGORY_COLUMNS}) VALUES (?, ?, ?, ?, ?) "  # noqa: S608
    "ON CONFLICT (sdkappid, category_id) DO NOTHING"
)
_LOCK_CATEGORY = Statement("SELECT category_id FROM gift_categories WHERE sdkappid = ? AND category_id = ? FOR UPDATE")
_DELETE_CATEGORY = Batch(
    "DELETE FROM gift_category_languages WHERE sdkappid = ? AND category_id = ?",
    "DELETE FROM gift_category_relations WHERE sdkappid = ? AND category_id = ?",
    "DELETE FROM gift_categories WHERE sdkappid = ? AND category_id = ? RETURNING category_id",
)

# A category's gifts in the order of the gift list.
_RELATIONS = Statement(
    "SELECT r.category_id, r.gift_id FROM gift_category_relations r "
    "JOIN gifts g ON g.sdkappid = r.sdkappid AND g.gift_id = r.gift_id "
    "WHERE r.sdkappid = ? ORDER BY r.category_id, g.coins, g.gift_id"
)
_ADD_RELATION = Statement(
    "INSERT INTO gift_category_relations (sdkappid, category_id, gift_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
_DELETE_RELATIONS = Statement(
    "DELETE FROM gift_category_relations WHERE sdkappid = ? AND category_id = ? AND gift_id = ANY(?)"
)

# What sending a gift checks, in one statement: the room's owner, the gift's price, how many of the accounts exist.
_GIFT_TO_SEND = Statement(
    "SELECT (SELECT owner_account FROM rooms WHERE sdkappid = ? AND room_id = ?), "
    "(SELECT coins FROM gifts WHERE sdkappid = ? AND gift_id = ?), "
    "(SELECT count(*) FROM accounts WHERE sdkappid = ? AND user_id = ANY(?))"
)
# A gift counted in its room. The sender set says whether the sender is a new one: a concurrent first gift of the
# same sender waits for this one's row and then finds it. The room's row is then updated by increments, which
# puts the gifts of one room one after the other on every node; when the room is gone the whole write is undone.
_ADD_SENDER = Statement(
    "INSERT INTO room_gift_senders (sdkappid, room_id, sender_account) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
)
_REMOVE_SENDER = Statement("DELETE FROM room_gift_senders WHERE sdkappid = ? AND room_id = ? AND sender_account = ?")
_COUNT_GIFT = Statement(
    "UPDATE rooms SET total_gifts_sent = total_gifts_sent + ?, total_gift_coins = total_gift_coins + ?, "
    "total_unique_gift_senders = total_unique_gift_senders + ?, gift_sequence = gift_sequence + 1 "
    "WHERE sdkappid = ? AND room_id = ? "
    "RETURNING gift_sequence, total_gifts_sent, total_gift_coins, total_unique_gift_senders"
)


class _Languages:
    """The statements of the names of a gift or a category in other languages (``key`` names which)."""

    __slots__ = ("all", "delete", "one", "put")

    def __init__(self, table: str, key: str) -> None:
        columns = "language, name, description"
        self.one = Statement(f"SELECT {columns} FROM {table} WHERE sdkappid = ? AND {key} = ? AND language = ?")  # noqa: S608
        self.all = Statement(f"SELECT {key}, {columns} FROM {table} WHERE sdkappid = ? ORDER BY {key}, language")  # noqa: S608
        self.put = Statement(
            f"INSERT INTO {table} (sdkappid, {key}, {columns}) VALUES (?, ?, ?, ?, ?) "  # noqa: S608
            f"ON CONFLICT (sdkappid, {key}, language) "
            "DO UPDATE SET name = excluded.name, description = excluded.description"
        )
        self.delete = Statement(f"DELETE FROM {table} WHERE sdkappid = ? AND {key} = ? AND language = ?")  # noqa: S608


_GIFT_LANGUAGES = _Languages("gift_languages", "gift_id")
_CATEGORY_LANGUAGES = _Languages("gift_category_languages", "category_id")


def _gift(row: Row) -> GiftRecord:
    return GiftRecord(*row)


def _category(row: Row) -> CategoryRecord:
    return CategoryRecord(*row)


class GiftQueries(Queries):
    __slots__ = ()

    # gifts ----------------------------------------------------------------------------------------------
    async def insert_gift(self, sdkappid: int, gift: GiftRecord) -> bool:
        """Insert unless the GiftId exists; False (and nothing written) when it does."""
        return await self._db.execute(_INSERT_GIFT, (sdkappid, *msgspec.structs.astuple(gift))) == 1

    async def get_gift(self, sdkappid: int, gift_id: str) -> GiftRecord | None:
        row = await self._db.fetchone(_GET_GIFT, (sdkappid, gift_id))
        return None if row is None else _gift(row)

    async def list_gifts(self, sdkappid: int) -> list[GiftRecord]:
        """Every gift of the app, the cheapest first (then by GiftId)."""
        return [_gift(row) for row in await self._db.fetchall(_LIST_GIFTS, (sdkappid,))]

    async def existing_gifts(self, sdkappid: int, gift_ids: Sequence[str]) -> set[str]:
        """The GiftIds among ``gift_ids`` that exist; in a write, kept from deletion until the end."""
        statement = _EXISTING_GIFTS_KEPT if self._write else _EXISTING_GIFTS
        return {r[0] for r in await self._db.fetchall(statement, (sdkappid, list(gift_ids)))}

    async def update_gift(self, sdkappid: int, gift_id: str, changes: GiftChanges) -> bool:
        """Change the given columns; False when there is no such gift."""
        values = given_fields(changes)
        if not values:
            return bool(await self.existing_gifts(sdkappid, [gift_id]))
        statement = update_statement("gifts", "sdkappid = ? AND gift_id = ?", tuple(values))
        return await self._db.execute(statement, (*values.values(), sdkappid, gift_id)) == 1

    async def delete_gift(self, sdkappid: int, gift_id: str) -> bool:
        """Remove the gift, its other languages and its place in every category; False when there is none."""
        if await self._db.fetchone(_LOCK_GIFT, (sdkappid, gift_id)) is None:
            return False
        return bool(await self._db.run_batch(_DELETE_GIFT, (sdkappid, gift_id) * len(_DELETE_GIFT.widths)))

    async def gift_config_size(self, sdkappid: int) -> tuple[int, int]:
        """How many gifts and categories the app has."""
        row = await self._db.fetchone(_CONFIG_SIZE, (sdkappid, sdkappid))
        assert row is not None
        return int(row[0]), int(row[1])

    # the names of gifts and categories in other languages -------------------------------------------------
    async def gift_language(self, sdkappid: int, gift_id: str, language: str) -> Translation | None:
        row = await self._db.fetchone(_GIFT_LANGUAGES.one, (sdkappid, gift_id, language))
        return None if row is None else Translation(*row)

    async def gift_languages(self, sdkappid: int) -> dict[str, list[Translation]]:
        """Every gift's other languages, by GiftId, each list ordered by language."""
        return await self._translations(_GIFT_LANGUAGES, sdkappid)

    async def put_gift_language(self, sdkappid: int, gift_id: str, names: Translation) -> None:
        await self._db.execute(_GIFT_LANGUAGES.put, (sdkappid, gift_id, names.language, names.name, names.desc))

    async def delete_gift_language(self, sdkappid: int, gift_id: str, language: str) -> None:
        await self._db.execute(_GIFT_LANGUAGES.delete, (sdkappid, gift_id, language))

    async def category_language(self, sdkappid: int, category_id: str, language: str) -> Translation | None:
        row = await self._db.fetchone(_CATEGORY_LANGUAGES.one, (sdkappid, category_id, language))
        return None if row is None else Translation(*row)

    async def category_languages(self, sdkappid: int) -> dict[str, list[Translation]]:
        """Every category's other languages, by CategoryId, each list ordered by language."""
        return await self._translations(_CATEGORY_LANGUAGES, sdkappid)

    async def put_category_language(self, sdkappid: int, category_id: str, names: Translation) -> None:
        args = (sdkappid, category_id, names.language, names.name, names.desc)
        await self._db.execute(_CATEGORY_LANGUAGES.put, args)

    async def delete_category_language(self, sdkappid: int, category_id: str, language: str) -> None:
        await self._db.execute(_CATEGORY_LANGUAGES.delete, (sdkappid, category_id, language))

    async def _translations(self, languages: _Languages, sdkappid: int) -> dict[str, list[Translation]]:
        found: dict[str, list[Translation]] = {}
        for key, language, name, desc in await self._db.fetchall(languages.all, (sdkappid,)):
            found.setdefault(key, []).append(Translation(language, name, desc))
        return found

    # categories -----------------------------------------------------------------------------------------
    async def insert_category(self, sdkappid: int, category: CategoryRecord) -> bool:
        """Insert unless the CategoryId exists; False (and nothing written) when it does."""
        return await self._db.execute(_INSERT_CATEGORY, (sdkappid, *msgspec.structs.astuple(category))) == 1

    async def get_category(self, sdkappid: int, category_id: str) -> CategoryRecord | None:
        """The category; in a write, kept from deletion until the end."""
        statement = _GET_CATEGORY_KEPT if self._write else _GET_CATEGORY
        row = await self._db.fetchone(statement, (sdkappid, category_id))
        return None if row is None else _category(row)

    async def list_categories(self, sdkappid: int) -> list[CategoryRecord]:
        """Every category of the app, by CategoryId."""
        return [_category(row) for row in await self._db.fetchall(_LIST_CATEGORIES, (sdkappid,))]

    async def update_category(self, sdkappid: int, category_id: str, changes: CategoryChanges) -> bool:
        """Change the given columns; False when there is no such category."""
        values = given_fields(changes)
        if not values:
            return await self.get_category(sdkappid, category_id) is not None
        statement = update_statement("gift_categories", "sdkappid = ? AND category_id = ?", tuple(values))
        return await self._db.execute(statement, (*values.values(), sdkappid, category_id)) == 1

    async def delete_category(self, sdkappid: int, category_id: str) -> bool:
        """Remove the category, its other languages and its relations (its gifts stay); False when there is none."""
        if await self._db.fetchone(_LOCK_CATEGORY, (sdkappid, category_id)) is None:
            return False
        args = (sdkappid, category_id) * len(_DELETE_CATEGORY.widths)
        return bool(await self._db.run_batch(_DELETE_CATEGORY, args))

    async def category_gifts(self, sdkappid: int) -> dict[str, list[str]]:
        """The GiftIds of every category that holds any, in the order of the gift list."""
        found: dict[str, list[str]] = {}
        for category_id, gift_id in await self._db.fetchall(_RELATIONS, (sdkappid,)):
            found.setdefault(category_id, []).append(gift_id)
        return found

    async def add_category_gifts(self, sdkappid: int, category_id: str, gift_ids: Iterable[str]) -> None:
        rows = [(sdkappid, category_id, gift_id) for gift_id in sorted(set(gift_ids))]
        await self._db.executemany(_ADD_RELATION, rows)

    async def remove_category_gifts(self, sdkappid: int, category_id: str, gift_ids: Sequence[str]) -> None:
        await self._db.execute(_DELETE_RELATIONS, (sdkappid, category_id, list(gift_ids)))

    # gifts sent in rooms --------------------------------------------------------------------------------
    async def gift_to_send(
        self, sdkappid: int, room_id: str, gift_id: str, accounts: Sequence[str]
    ) -> tuple[str | None, int | None, int]:
        """The room's owner (None: no room), the gift's price (None: no gift) and how many of ``accounts`` (distinct)
        are imported."""
        args = (sdkappid, room_id, sdkappid, gift_id, sdkappid, list(accounts))
        row = await self._db.fetchone(_GIFT_TO_SEND, args)
        assert row is not None
        return row[0], None if row[1] is None else int(row[1]), int(row[2])

    async def count_gift(self, sdkappid: int, room_id: str, sender: str, count: int, coins: int) -> GiftTotals | None:
        """Count ``count`` gifts of ``coins`` each from ``sender`` in the room's statistics; the room's totals
        after them, None (and nothing written) when there is no such room."""
        new_sender = await self._db.execute(_ADD_SENDER, (sdkappid, room_id, sender))
        row = await self._db.fetchone(_COUNT_GIFT, (count, coins * count, new_sender, sdkappid, room_id))
        if row is None:
            if new_sender:
                await self._db.execute(_REMOVE_SENDER, (sdkappid, room_id, sender))
            return None
        return GiftTotals(*(int(value) for value in row))
