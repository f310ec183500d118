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


# --- one snapshot for every query of a read ---------------------------------------------------
#
# A report or a status reads a term with a few dozen queries. In autocommit mode each query
# would see the database as it was at that moment, so an entry committed by another process
# half way through (cron logging while the report is made) shows up in one query and not in
# the one before: counts that disagree, or a KeyError where the entries of one query are
# looked up in another's. :func:`read_snapshot` runs them all in one read transaction (WAL: a
# reader sees one committed state and never blocks a writer).
#
# A big term also counts on helper connections in parallel (progress._in_parallel); each must
# read the same snapshot. SQLite's snapshot API is not in Python's sqlite3, so the helpers'
# read transactions are started *between* two observations of the main connection's
# ``PRAGMA data_version`` (which changes when another connection commits): if it did not
# change, no commit came between, and every connection reads the same state. Otherwise the
# lining-up is tried again, and after a few tries the work runs on the main connection alone.

SNAPSHOT_TRIES = 3


class _Snapshot:
    def __init__(self, helpers: list[sqlite3.Connection]):
        self.helpers = helpers  # every helper connection, closed when the snapshot ends
        self.free = list(helpers)
        self.futures: list = []


_snapshots: dict[int, _Snapshot] = {}  # id(main connection) -> its snapshot's helpers


def _data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


def _open_helper(main: sqlite3.Connection) -> sqlite3.Connection | None:
    files = [r[2] for r in main.execute("PRAGMA database_list") if r[1] == "main"]
    if not files or not files[0]:  # an in-memory database has no second connection
        return None
    uri = Path(files[0]).as_uri() + "?mode=ro"
    helper = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
    helper.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return helper


def _line_up(conn: sqlite3.Connection, helpers: int) -> list[sqlite3.Connection]:
    """Start the read transaction of ``conn`` and of up to ``helpers`` helper connections on one
    snapshot; returns the helpers (none when they could not be lined up)."""
    opened: list[sqlite3.Connection] = []
    try:
        for _ in range(helpers):
            helper = _open_helper(conn)
            if helper is None:
                break
            opened.append(helper)
        for _ in range(SNAPSHOT_TRIES if opened else 0):
            before = _data_version(conn)
            for helper in opened:
                helper.execute("BEGIN")
                _data_version(helper)  # the first read starts the helper's snapshot
            conn.execute("BEGIN")
            if _data_version(conn) == before:  # no commit since `before`: every snapshot is the same
                return opened
            conn.execute("ROLLBACK")
            for helper in opened:
                helper.execute("ROLLBACK")
    except sqlite3.Error:  # a helper that cannot open or read: the work stays on `conn`
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    for helper in opened:
        helper.close()
    conn.execute("BEGIN")
    _data_version(conn)
    return []


@contextlib.contextmanager
def read_snapshot(conn: sqlite3.Connection, *, helpers: int = 0) -> Iterator[sqlite3.Connection]:
    """Every query on ``conn`` inside reads one committed state of the database, and so does
    the work given to :func:`on_helper` (at most ``helpers`` jobs). Inside a transaction
    already (a write, or an enclosing snapshot), nothing changes."""
    if conn.in_transaction:
        yield conn
        return
    snapshot = _snapshots[id(conn)] = _Snapshot(_line_up(conn, helpers))
    try:
        yield conn
    finally:
        del _snapshots[id(conn)]
        for future in snapshot.futures:
            future.cancel()
            try:
                future.exception()  # wait: a helper is closed only once its work is over
            except BaseException:  # noqa: BLE001 - cancelled; its error was not asked for
                pass
        for helper in snapshot.helpers:
            helper.close()
        if conn.in_transaction:
            conn.execute("ROLLBACK")


def on_helper(conn: sqlite3.Connection, work):
    """Run ``work(helper)`` on a thread with a helper connection on ``conn``'s snapshot
    (:func:`read_snapshot`): a Future, or None when there is no helper (run it on ``conn``)."""
    snapshot = _snapshots.get(id(conn))
    if snapshot is None or not snapshot.free:
        return None
    from concurrent.futures import ThreadPoolExecutor

    helper = snapshot.free.pop()
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(work, helper)
    pool.shutdown(wait=False)
    snapshot.futures.append(future)
    return future
