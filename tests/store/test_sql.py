"""Statements written once: each database gets the text it runs, and the shared SQL runs on both."""

from __future__ import annotations

import pytest

from liveroom.store.sql import Batch, Statement


def test_placeholders_are_numbered_for_postgresql_and_kept_for_sqlite() -> None:
    s = Statement("SELECT a FROM t WHERE x = ? AND y > ? LIMIT ?")
    assert s.sqlite == "SELECT a FROM t WHERE x = ? AND y > ? LIMIT ?"
    assert s.postgres == "SELECT a FROM t WHERE x = $1 AND y > $2 LIMIT $3"
    assert s.lists == ()


def test_a_list_parameter_is_an_array_in_postgresql_and_json_each_in_sqlite() -> None:
    s = Statement("DELETE FROM t WHERE k = ? AND r = ? AND m = ANY(?) AND n = ?")
    assert s.postgres == "DELETE FROM t WHERE k = $1 AND r = $2 AND m = ANY($3) AND n = $4"
    assert s.sqlite == "DELETE FROM t WHERE k = ? AND r = ? AND m IN (SELECT value FROM json_each(?)) AND n = ?"
    assert s.lists == (2,)


@pytest.mark.parametrize("lock", ["FOR UPDATE", "FOR KEY SHARE", "FOR SHARE", "FOR NO KEY UPDATE"])
def test_row_locks_are_for_postgresql_only(lock: str) -> None:
    s = Statement(f"SELECT a FROM t WHERE k = ? {lock}")
    assert s.postgres == f"SELECT a FROM t WHERE k = $1 {lock}"
    assert s.sqlite == "SELECT a FROM t WHERE k = ?"


def test_a_batch_is_one_statement_on_postgresql_and_several_on_sqlite() -> None:
    b = Batch(
        "DELETE FROM a WHERE k = ?", "DELETE FROM b WHERE k = ? AND j = ?", "DELETE FROM c WHERE k = ? RETURNING x"
    )
    assert [s.sqlite for s in b.sqlite] == [
        "DELETE FROM a WHERE k = ?",
        "DELETE FROM b WHERE k = ? AND j = ?",
        "DELETE FROM c WHERE k = ? RETURNING x",
    ]
    assert b.widths == (1, 2, 1)
    assert b.postgres.postgres == (
        "WITH b0 AS (DELETE FROM a WHERE k = $1), b1 AS (DELETE FROM b WHERE k = $2 AND j = $3) "
        "DELETE FROM c WHERE k = $4 RETURNING x"
    )


def test_a_quoted_literal_is_refused_since_it_could_hide_a_placeholder() -> None:
    with pytest.raises(ValueError, match="literal"):
        Statement("SELECT a FROM t WHERE name = '?'")


def test_a_row_lock_ending_a_subquery_is_for_postgresql_only() -> None:
    s = Statement(
        "UPDATE q SET o = ? WHERE (a, b) IN (SELECT a, b FROM q WHERE n <= ? ORDER BY n LIMIT ? FOR UPDATE SKIP LOCKED)"
    )
    assert s.postgres.endswith("LIMIT $3 FOR UPDATE SKIP LOCKED)")
    assert s.sqlite == "UPDATE q SET o = ? WHERE (a, b) IN (SELECT a, b FROM q WHERE n <= ? ORDER BY n LIMIT ?)"


def test_skip_locked_at_the_end_is_for_postgresql_only() -> None:
    s = Statement("SELECT a FROM t WHERE k = ? FOR UPDATE SKIP LOCKED")
    assert s.sqlite == "SELECT a FROM t WHERE k = ?"


def test_a_lock_word_inside_a_statement_is_not_taken_for_a_lock() -> None:
    s = Statement("SELECT a FROM t WHERE k = ? FOR UPDATE OF t")
    assert s.sqlite == s.template
