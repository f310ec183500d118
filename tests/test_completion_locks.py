"""Completion on Tab never waits for a lock and never leaves a file beside the database.

It used to open the database ``mode=ro`` with a busy timeout of a second per query: a writer
holding the database (exclusive locking mode, or a rollback-journal database such as a backup
copy under a write) made Tab hang about two seconds, and on a WAL database with no ``-wal`` and
``-shm`` beside it (every nitet database once its last connection closed) SQLite created the two
and left them there, empty. The locks here are real, held by another connection while the
completion runs; nothing is timed.
"""

from __future__ import annotations

import os
import sqlite3

import pytest

from nitet_cli.db import connect
from nitet_cli.schools import School, add_or_update_school

CODES = ["57010001", "57010002"]


@pytest.fixture
def db(initialised):
    conn = connect(initialised.db_path)
    for code in CODES:
        add_or_update_school(conn, School(code, f"โรงเรียน {code}", "", "เมืองเชียงราย"))
    conn.close()
    return initialised


def folder(nitet) -> list[str]:
    return sorted(os.listdir(nitet.db_path.parent))


@pytest.fixture
def timeouts(monkeypatch) -> list[float]:
    """The busy timeout of every connection SQLite is asked to open."""
    seen: list[float] = []
    real = sqlite3.connect

    def recording(*args, **kwargs):
        seen.append(kwargs.get("timeout", 5.0))
        return real(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", recording)
    return seen


def test_completion_leaves_no_file_beside_the_database(db):
    before = folder(db)
    assert before == [db.db_path.name]  # no -wal, no -shm once nitet's connection closed
    assert db.complete(f"nitet --db {db.db_path} log-visit --school 5701") == CODES
    assert folder(db) == before


def test_completion_reads_at_once_while_a_writer_holds_the_database_exclusively(db, timeouts):
    writer = sqlite3.connect(db.db_path, isolation_level=None)
    try:
        writer.execute("PRAGMA locking_mode = EXCLUSIVE")
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE schools SET name = 'ยังไม่ได้บันทึก'")
        during = folder(db)
        timeouts.clear()
        found = db.complete(f"nitet --db {db.db_path} log-visit --school 5701")
        assert writer.in_transaction  # the lock was held all along
        assert found == CODES  # what is committed, read from the database file at once
        assert folder(db) == during  # no -shm made beside the writer's -wal
        assert timeouts and all(t == 0 for t in timeouts)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_completion_does_not_wait_for_a_write_lock_on_a_rollback_journal_database(db, timeouts):
    """A backup copy is a rollback-journal database; a writer's EXCLUSIVE lock shuts readers out."""
    conn = sqlite3.connect(db.db_path)
    conn.execute("PRAGMA journal_mode = DELETE").fetchone()
    conn.close()
    writer = sqlite3.connect(db.db_path, isolation_level=None)
    try:
        writer.execute("BEGIN EXCLUSIVE")
        writer.execute("UPDATE schools SET name = 'ยังไม่ได้บันทึก'")
        during = folder(db)
        timeouts.clear()
        assert db.complete(f"nitet --db {db.db_path} log-visit --school 5701") == []
        assert writer.in_transaction
        assert timeouts and all(t == 0 for t in timeouts)  # not waited for
        assert folder(db) == during
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert db.complete(f"nitet --db {db.db_path} log-visit --school 5701") == CODES
    assert folder(db) == [db.db_path.name]
