"""Operators of the web console and their sessions."""

from __future__ import annotations

from liveroom.store.queries import Queries
from liveroom.store.records import OperatorRecord, OperatorSession
from liveroom.store.sql import Row, Statement

_ADD_OPERATOR = Statement(
    "INSERT INTO operators (name, password_hash, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING"
)
_OPERATOR = Statement("SELECT name, password_hash, created_at FROM operators WHERE name = ?")
_OPERATORS = Statement("SELECT name, password_hash, created_at FROM operators ORDER BY name")
_SET_PASSWORD = Statement("UPDATE operators SET password_hash = ? WHERE name = ?")
_DELETE_OPERATOR = Statement("DELETE FROM operators WHERE name = ?")
_DELETE_OPERATOR_SESSIONS = Statement("DELETE FROM operator_sessions WHERE operator = ?")
_ADD_SESSION = Statement(
    "INSERT INTO operator_sessions (id_hash, operator, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)"
)
_SESSION = Statement(
    "SELECT operator, csrf_token, expires_at FROM operator_sessions WHERE id_hash = ? AND expires_at > ?"
)
_DELETE_SESSION = Statement("DELETE FROM operator_sessions WHERE id_hash = ?")
_DELETE_EXPIRED_SESSIONS = Statement("DELETE FROM operator_sessions WHERE expires_at <= ?")


def _operator(row: Row) -> OperatorRecord:
    return OperatorRecord(name=row[0], password_hash=row[1], created_at=row[2])


class OperatorQueries(Queries):
    __slots__ = ()

    async def add_operator(self, operator: OperatorRecord) -> bool:
        """False when an operator of that name is there already."""
        args = (operator.name, operator.password_hash, operator.created_at)
        return await self._db.execute(_ADD_OPERATOR, args) == 1

    async def get_operator(self, name: str) -> OperatorRecord | None:
        row = await self._db.fetchone(_OPERATOR, (name,))
        return None if row is None else _operator(row)

    async def list_operators(self) -> list[OperatorRecord]:
        return [_operator(row) for row in await self._db.fetchall(_OPERATORS)]

    async def set_operator_password(self, name: str, password_hash: str) -> None:
        await self._db.execute(_SET_PASSWORD, (password_hash, name))

    async def delete_operator(self, name: str) -> bool:
        """Removes the operator and signs out every session of theirs."""
        await self._db.execute(_DELETE_OPERATOR_SESSIONS, (name,))
        return await self._db.execute(_DELETE_OPERATOR, (name,)) == 1

    async def add_operator_session(self, id_hash: str, session: OperatorSession, created_at: int) -> None:
        args = (id_hash, session.operator, session.csrf_token, created_at, session.expires_at)
        await self._db.execute(_ADD_SESSION, args)

    async def get_operator_session(self, id_hash: str, now: int) -> OperatorSession | None:
        row = await self._db.fetchone(_SESSION, (id_hash, now))
        if row is None:
            return None
        return OperatorSession(operator=row[0], csrf_token=row[1], expires_at=row[2])

    async def delete_operator_session(self, id_hash: str) -> None:
        await self._db.execute(_DELETE_SESSION, (id_hash,))

    async def delete_expired_operator_sessions(self, now: int) -> int:
        return await self._db.execute(_DELETE_EXPIRED_SESSIONS, (now,))
