"""Opening the SQLite file: pragmas, owner-only permissions, transactions.

Every connection uses WAL (readers never block the writer), foreign keys and a
generous busy timeout, so that cron and a person running nitet at the same moment
wait for each other instead of failing with "database is locked". Writes go through
:func:`transaction`, which takes the write lock up front (``BEGIN IMMEDIATE``) so that
a write either happens whole or not at all.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Iterator

from nitet_cli.errors import DatabaseError, NotFoundError

BUSY_TIMEOUT_MS = 60_000


def _create_private_file(path: Path) -> None:
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def connect(path: Path | str, *, create: bool = True, migrate: bool = True) -> sqlite3.Connection:
    """Open (and, with ``create``, make) the nitet database at ``path``.

    With ``migrate`` the schema is brought up to date, each migration in its own
    transaction. A file that is not SQLite, or a SQLite file of another program,
    is refused with a :class:`DatabaseError`.
    """
    path = Path(path)
    if path.is_dir():
        raise DatabaseError(f"{path} เป็นโฟลเดอร์ ไม่ใช่ไฟล์ฐานข้อมูล — ระบุไฟล์ .db ด้วย --db หรือ NITET_DB")
    if not path.exists():
        if not create:
            raise NotFoundError(
                f"ไม่พบฐานข้อมูล {path} — สร้างด้วย 'nitet init' หรือระบุไฟล์ที่มีอยู่ด้วย --db หรือ NITET_DB"
            )
        _create_private_file(path)
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{path} ไม่ใช่ไฟล์ฐานข้อมูล SQLite ที่ใช้ได้ ({exc})") from exc
    if migrate:
        from nitet_cli.migrations import migrate as run_migrations

        run_migrations(conn, path)
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: everything inside happens, or nothing does."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
