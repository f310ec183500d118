"""Opening the SQLite file: pragmas, owner-only permissions, transactions; other nitet
databases opened read-only (backups, the sources and targets of ``merge`` and ``import``).

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
import stat
from collections.abc import Iterator
from pathlib import Path

from nitet_cli.errors import DatabaseError, InputError, NotFoundError

BUSY_TIMEOUT_MS = 60_000
#: The largest integer SQLite stores.
SQLITE_MAX_INT = 2**63 - 1


def _create_private_file(path: Path) -> None:
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise DatabaseError(
            f"สร้างฐานข้อมูล {path} ไม่ได้ ({exc.strerror or exc}) — เลือกโฟลเดอร์ที่คุณเขียนได้ด้วย --db หรือ NITET_DB"
        ) from exc
    os.close(fd)


# SQLite's primary result codes (the low byte of an extended code) that say what is wrong
# with the file or the disk rather than with the program.
SQLITE_BUSY, SQLITE_LOCKED, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CORRUPT = 5, 6, 8, 10, 11
SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB = 13, 14, 26
SQLITE_READONLY_DIRECTORY = 1544  # the folder is read-only: no -wal/-shm can be made beside the file
_ENVIRONMENT = {
    SQLITE_BUSY,
    SQLITE_LOCKED,
    SQLITE_READONLY,
    SQLITE_IOERR,
    SQLITE_CORRUPT,
    SQLITE_FULL,
    SQLITE_CANTOPEN,
    SQLITE_NOTADB,
}


def _error_code(exc: sqlite3.Error) -> int | None:
    """SQLite's extended result code of ``exc`` (Python 3.11+), else one read from its message."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code
    text = str(exc)
    for words, guess in (
        ("readonly database", SQLITE_READONLY),
        ("disk is full", SQLITE_FULL),
        ("disk I/O error", SQLITE_IOERR),
        ("unable to open", SQLITE_CANTOPEN),
        ("database is locked", SQLITE_BUSY),
        ("malformed", SQLITE_CORRUPT),
        ("not a database", SQLITE_NOTADB),
    ):
        if words in text:
            return guess
    return None


def is_environment_error(exc: BaseException) -> bool:
    """A SQLite error about the file, its folder or the disk (read-only, full, damaged, locked, …)."""
    if not isinstance(exc, sqlite3.Error):
        return False
    code = _error_code(exc)
    return code is not None and (code & 0xFF) in _ENVIRONMENT


def explain(exc: sqlite3.Error, path: Path | str | None) -> DatabaseError:
    """One Thai sentence for a SQLite error on the database at ``path``: what is really wrong
    (a read-only file or folder, a full disk, a damaged file, another program holding it)
    and what to do. Nothing was written: every write is one transaction."""
    where = f"ฐานข้อมูล {path}" if path else "ฐานข้อมูล"
    code = _error_code(exc)
    primary = None if code is None else code & 0xFF
    folder = Path(path).parent if path else None
    if primary in (SQLITE_IOERR, SQLITE_CANTOPEN) and path:
        # A folder where SQLite keeps a file beside the database (made by hand, or by a copy
        # tool): SQLite says only "disk I/O error" or "unable to open".
        for side in (Path(f"{path}{suffix}") for suffix in ("-journal", "-wal", "-shm")):
            if side.is_dir():
                return DatabaseError(
                    f"ใช้{where} ไม่ได้ เพราะมีโฟลเดอร์ {side} อยู่ข้างฐานข้อมูล ซึ่ง SQLite ต้องใช้ชื่อนี้เป็นไฟล์ของตัวเอง"
                    " — ย้ายสิ่งที่ต้องการออกจากโฟลเดอร์นั้นแล้วลบโฟลเดอร์ทิ้ง แล้วลองอีกครั้ง (ฐานข้อมูลไม่ถูกเปลี่ยน)"
                )
    if primary == SQLITE_READONLY:
        shm = Path(f"{path}-shm") if path else None
        if code == SQLITE_READONLY_DIRECTORY or (
            folder is not None and not os.access(folder, os.W_OK) and shm is not None and not shm.exists()
        ):
            return DatabaseError(
                f"เปิด{where} ไม่ได้เพราะโฟลเดอร์ {folder} เขียนไม่ได้: SQLite ต้องสร้างไฟล์ {Path(str(path)).name}-shm"
                " ข้างฐานข้อมูล (โหมด WAL) แม้จะแค่อ่าน — ไฟล์ไม่ได้เสียหาย; ให้สิทธิ์เขียนโฟลเดอร์นี้"
                " หรือคัดลอกฐานข้อมูลไปโฟลเดอร์ที่เขียนได้"
            )
        return DatabaseError(
            f"{where} เปิดได้แบบอ่านอย่างเดียว (ไฟล์หรือโฟลเดอร์ไม่มีสิทธิ์เขียน หรืออยู่บนดิสก์ที่เขียนไม่ได้) จึงบันทึกไม่ได้"
            f" — ฐานข้อมูลไม่ถูกเปลี่ยน; ให้สิทธิ์เขียน (เช่น chmod u+w {path}) หรือคัดลอกไปโฟลเดอร์ที่เขียนได้ แล้วลองอีกครั้ง"
        )
    if primary == SQLITE_FULL:
        return DatabaseError(
            f"ดิสก์ที่เก็บ{where} เต็ม (database or disk is full) — ไม่มีอะไรถูกบันทึกลงฐานข้อมูล;"
            " ลบไฟล์ที่ไม่ใช้หรือย้ายฐานข้อมูลไปดิสก์ที่มีที่ว่าง แล้วลองอีกครั้ง"
        )
    if primary in (SQLITE_BUSY, SQLITE_LOCKED):
        return DatabaseError(
            f"{where} ถูกโปรแกรมอื่นใช้อยู่นานเกิน {BUSY_TIMEOUT_MS // 1000} วินาที — ฐานข้อมูลไม่ถูกเปลี่ยน; รอให้คำสั่งนั้นเสร็จแล้วลองอีกครั้ง"
        )
    if primary == SQLITE_CANTOPEN:
        return DatabaseError(f"เปิด{where} ไม่ได้ ({exc}) — ตรวจว่าเป็นไฟล์ที่อ่านได้ และโฟลเดอร์ {folder} มีอยู่และเขียนได้")
    if primary == SQLITE_IOERR:
        return DatabaseError(
            f"อ่านหรือเขียน{where} ไม่ได้ (ข้อผิดพลาดของดิสก์: {exc}) — ไม่มีอะไรถูกบันทึกลงฐานข้อมูล; ตรวจดิสก์และพื้นที่ว่าง แล้วลองอีกครั้ง"
        )
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return DatabaseError(
            f"{where} เสียหายหรือไม่ใช่ไฟล์ฐานข้อมูล SQLite ({exc}) — ตรวจด้วย 'nitet doctor' และกู้คืนจากไฟล์สำรองของ 'nitet backup'"
        )
    return DatabaseError(f"{where} ทำงานไม่สำเร็จ ({exc}) — ฐานข้อมูลไม่ถูกเปลี่ยน; ตรวจด้วย 'nitet doctor'")


def check_database_file(path: Path) -> None:
    """Refuse a path that is not a regular file (a FIFO would block SQLite forever, a device
    is not a database) — before SQLite opens it."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # not there (created below) or unreadable (SQLite says why)
    if stat.S_ISDIR(mode):
        raise DatabaseError(f"{path} เป็นโฟลเดอร์ ไม่ใช่ไฟล์ฐานข้อมูล — ระบุไฟล์ .db ด้วย --db หรือ NITET_DB")
    if not stat.S_ISREG(mode):
        kind = "FIFO (named pipe)" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "อุปกรณ์ (device)"
        raise DatabaseError(f"{path} เป็น {kind} ไม่ใช่ไฟล์ฐานข้อมูล — ระบุไฟล์ .db ธรรมดาด้วย --db หรือ NITET_DB")


def _refuse_a_side_file_name(path: Path) -> None:
    """A new database may not be named as a file SQLite keeps beside a database that is there
    (``a.db-wal`` beside ``a.db``): the next command on ``a.db`` would take it for its own WAL,
    journal or shared memory and delete or overwrite it, and every entry in it would be lost."""
    from nitet_cli.files import SIDE_SUFFIXES

    for suffix in SIDE_SUFFIXES:
        main = path.with_name(path.name[: -len(suffix)]) if path.name.endswith(suffix) else None
        if main is not None and main.is_file():
            raise InputError(
                f"ไม่สร้างฐานข้อมูล {path} เพราะเป็นชื่อไฟล์ {suffix[1:]} ที่ SQLite ใช้คู่กับฐานข้อมูล {main}"
                f" — SQLite จะลบหรือเขียนทับไฟล์นี้เมื่อเปิด {main.name}; เลือกชื่ออื่น เช่น group.db"
            )


def _refuse_a_place_in_a_store(path: Path) -> None:
    """A new database may not be made inside an evidence store (``a-evidence/g.db``: of the
    database beside the store, or its own through a link): to ``nitet doctor`` it and its
    files are foreign files of that store, which ``backup --keep`` or a removal of unused
    files may take away, and its own store would nest inside the other. Asked only when the
    file is about to be created, never when a database that is there is opened."""
    from nitet_cli.errors import OutputError
    from nitet_cli.files import store_of_place

    held = store_of_place(path, [path])
    if held is not None:
        owner, store = held
        raise OutputError(
            f"ไม่สร้างฐานข้อมูล {path} เพราะอยู่ในที่เก็บหลักฐานของฐานข้อมูล {owner} ({store}) ซึ่ง nitet ดูแลเอง"
            " (ไฟล์อื่นในนั้นเป็นไฟล์แปลกปลอมของที่เก็บ)"
            f" — เลือกโฟลเดอร์นอกที่เก็บนั้น เช่น {store.parent / path.name}"
        )


def connect(path: Path | str, *, create: bool = True, migrate: bool = True, announce=None) -> sqlite3.Connection:
    """Open (and, with ``create``, make) the nitet database at ``path``.

    With ``migrate`` the schema is brought up to date, each migration in its own
    transaction. A file that is not SQLite, or a SQLite file of another program,
    is refused with a :class:`DatabaseError`; so is a path that is not a regular file,
    and a read-only file, folder or full disk is said as such (:func:`explain`).
    """
    if not str(path).strip():
        raise InputError("ชื่อไฟล์ฐานข้อมูลว่าง — ระบุไฟล์ .db ด้วย --db หรือ NITET_DB (หรือไม่ระบุเลยเพื่อใช้ค่าเริ่มต้น)")
    path = Path(path)
    check_database_file(path)
    if not path.exists():
        if not create:
            raise NotFoundError(f"ไม่พบฐานข้อมูล {path} — สร้างด้วย 'nitet init' หรือระบุไฟล์ที่มีอยู่ด้วย --db หรือ NITET_DB")
        _refuse_a_side_file_name(path)
        _refuse_a_place_in_a_store(path)
        _create_private_file(path)
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise explain(exc, path) from exc
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        code = _error_code(exc)
        if code is not None and (code & 0xFF) not in (SQLITE_NOTADB, SQLITE_CORRUPT) and is_environment_error(exc):
            raise explain(exc, path) from exc
        raise DatabaseError(f"{path} ไม่ใช่ไฟล์ฐานข้อมูล SQLite ที่ใช้ได้ ({exc})") from exc
    if migrate:
        from nitet_cli.migrations import migrate as run_migrations

        try:
            run_migrations(conn, path, announce)  # announce: the command line's, for a long upgrade
        except BaseException as exc:
            conn.close()
            if is_environment_error(exc):
                raise explain(exc, path) from exc
            raise
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: everything inside happens, or nothing does."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise explain(exc, _file_of(conn)) from exc
    try:
        yield conn
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if is_environment_error(exc):  # read-only, full disk, …: one sentence, nothing written
            raise explain(exc, _file_of(conn)) from exc
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise explain(exc, _file_of(conn)) from exc


def _file_of(conn: sqlite3.Connection) -> str | None:
    """The file of ``conn``'s main database (None: an in-memory database, or it cannot say)."""
    try:
        files = [file for _seq, name, file in conn.execute("PRAGMA database_list") if name == "main"]
    except sqlite3.Error:
        return None
    return files[0] if files and files[0] else None


# --- like patterns ----------------------------------------------------------------------------


def like_pattern(text: str, *, prefix: bool = False) -> str:
    """A pattern for ``LIKE ? ESCAPE '\\'`` that finds ``text`` as typed (its ``\\``, ``%`` and
    ``_`` are plain characters): anywhere in the value, or at its start with ``prefix``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix else f"%{escaped}%"


# --- other databases, read-only: backups, merge's sources and targets ---------------------------


def open_read_only(
    path: Path | str, *, immutable: bool = False, timeout: float = BUSY_TIMEOUT_MS / 1000
) -> sqlite3.Connection:
    """A read-only connection to the database at ``path`` (``mode=ro``); rows as ``sqlite3.Row``.

    ``immutable``: SQLite takes no locks and ignores any ``-wal`` (for a file nothing writes to,
    such as a backup copy, or a quick look that must never wait); without it a writer's
    committed work in the WAL is read and a lock held by a writer is waited for up to ``timeout``."""
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?{flags}", uri=True, timeout=timeout)
    conn.row_factory = sqlite3.Row
    return conn


def sqlite_head(path: Path) -> bytes:
    """The first bytes of ``path``, as many as an SQLite file's header (b"" for an empty file).
    Only a regular file is read: a FIFO would hang the read, a device never end it."""
    from nitet_cli.files import SQLITE_HEADER

    if not stat.S_ISREG(os.stat(path).st_mode):
        raise InputError(
            f"{path} ไม่ใช่ไฟล์ธรรมดา (เป็น FIFO อุปกรณ์ หรือโฟลเดอร์) — ระบุไฟล์ที่ได้จาก 'nitet export' หรือไฟล์ฐานข้อมูล .db"
        )
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_HEADER))


def _open_or_say_why(path: Path, shown: Path) -> sqlite3.Connection:
    """:func:`open_read_only`, or one sentence saying why not (``shown``: the name to give)."""
    try:
        return open_read_only(path)
    except sqlite3.Error as exc:
        raise DatabaseError(f"เปิด {shown} ไม่ได้ ({exc}) — ตรวจสิทธิ์ของไฟล์และโฟลเดอร์") from exc


class WalNeedsACopy(Exception):
    """The database has a WAL beside it that SQLite cannot read in place (see ``_needs_a_copy``)."""


def _needs_a_copy(path: Path, exc: sqlite3.Error) -> bool:
    """A database in WAL mode whose last writes are still in its ``-wal`` file can only be read
    where SQLite may create the ``-shm`` index beside it; in a read-only folder (a shared or
    mounted one) opening it fails with SQLITE_CANTOPEN although the file is good."""
    if not Path(f"{path}-wal").is_file() or Path(f"{path}-wal").stat().st_size == 0:
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    return code == SQLITE_CANTOPEN or (code is None and "unable to open" in str(exc))


def open_nitet_read_only(path: Path | str, shown: Path | str | None = None) -> sqlite3.Connection:
    """Another nitet database (a source of ``nitet merge``) opened read-only, after checking that
    it is an intact nitet database (``shown``: the name to use in messages when ``path`` is a copy
    of it). Raises :class:`WalNeedsACopy` when it can only be read through a copy."""
    from nitet_cli.files import SQLITE_HEADER
    from nitet_cli.migrations import MIGRATIONS_TABLE, check_is_nitet

    path = Path(path).expanduser()
    real = path
    path = Path(shown) if shown is not None else path
    if not path.exists():
        raise NotFoundError(f"ไม่พบฐานข้อมูล {path} — ตรวจชื่อไฟล์ .db ที่จะรวม")
    if path.is_dir():
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์ฐานข้อมูล .db ของศึกษานิเทศก์แต่ละคน")
    header = sqlite_head(path)
    if not header:
        raise DatabaseError(f"{path} เป็นไฟล์ว่าง (0 ไบต์) ไม่ใช่ฐานข้อมูล nitet — ขอไฟล์ .db จากเจ้าของอีกครั้ง")
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} ไม่ใช่ไฟล์ฐานข้อมูล SQLite (เสียหายหรือเป็นไฟล์ชนิดอื่น) — ระบุไฟล์ฐานข้อมูล nitet (.db)")
    conn = _open_or_say_why(real, path)
    try:
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }  # a damaged first page fails here
        except sqlite3.OperationalError as exc:
            if shown is None and _needs_a_copy(real, exc):
                raise WalNeedsACopy() from exc
            raise
        if MIGRATIONS_TABLE not in tables:
            what = "เป็นฐานข้อมูลของโปรแกรมอื่น" if tables else "เป็นฐานข้อมูลว่าง"
            raise DatabaseError(
                f"{path} {what} ไม่ใช่ของ nitet — ระบุไฟล์ .db ที่ศึกษานิเทศก์สร้างด้วย 'nitet init' (ดูที่อยู่ได้จาก 'nitet doctor')"
            )
        check_is_nitet(conn, path)  # made by a newer nitet?
        check = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        if check != ["ok"]:
            raise DatabaseError(
                f"{path} เป็นฐานข้อมูลที่เสียหาย ({'; '.join(check[:2])}) — ให้เจ้าของตรวจด้วย 'nitet doctor' และส่งไฟล์สำรองมาแทน"
            )
    except sqlite3.Error as exc:
        conn.close()
        raise DatabaseError(
            f"{path} เป็นฐานข้อมูลที่เสียหาย อ่านไม่ได้ ({exc}) — ให้เจ้าของตรวจด้วย 'nitet doctor' และส่งไฟล์สำรองมาแทน"
        ) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def check_target(path: Path) -> None:
    """Refuse a target of ``import`` or ``merge`` that exists but is not an intact nitet database,
    before anything opens it for writing."""
    from nitet_cli.files import SQLITE_HEADER
    from nitet_cli.migrations import check_is_nitet

    path = Path(path)
    check_database_file(path)  # a folder, a FIFO (reading it would hang) or a device
    if not path.exists() or path.stat().st_size == 0:
        return
    header = sqlite_head(path)
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} ไม่ใช่ไฟล์ฐานข้อมูล SQLite (เสียหายหรือเป็นไฟล์ชนิดอื่น) — ระบุฐานข้อมูล nitet หรือชื่อไฟล์ใหม่")
    conn = _open_or_say_why(path, path)
    try:
        try:
            conn.execute("SELECT name FROM sqlite_master").fetchall()
            check = [r[0] for r in conn.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as exc:
            check = [str(exc)]
        if check != ["ok"]:
            raise DatabaseError(
                f"ฐานข้อมูลปลายทาง {path} เสียหาย ({'; '.join(check[:2])}) — ไม่ได้เขียนอะไรลงไป;"
                " ตรวจด้วย 'nitet doctor' และกู้คืนจากไฟล์สำรองของ 'nitet backup'"
            )
        check_is_nitet(conn, path)  # another program's, or a newer nitet's
    finally:
        conn.close()


# --- one snapshot for every query of a read ---------------------------------------------------
#
# A report or a status reads a term with a few dozen queries. In autocommit mode each query
# would see the database as it was at that moment, so an entry committed by another process
# half way through (cron logging while the report is made) shows up in one query and not in
# the one before: counts that disagree, or a KeyError where the entries of one query are
# looked up in another's. :func:`read_snapshot` runs them all in one read transaction (WAL: a
# reader sees one committed state and never blocks a writer).
#
# A big term also counts on helper connections in parallel (:func:`on_helper`); each must
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
    file = _file_of(main)
    if file is None:  # an in-memory database has no second connection
        return None
    uri = Path(file).as_uri() + "?mode=ro"
    helper = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
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
            except BaseException:
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
