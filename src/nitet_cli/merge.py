"""``nitet merge A.db B.db … [--into group.db]``: one database for a group head.

Every source is opened read-only (``file:…?mode=ro``), checked to be a nitet database
that is not damaged (``quick_check``), and read whole before the target is touched (a
source whose WAL SQLite cannot read in place, in a read-only folder, is read through a
private copy of the file and its WAL inside the target's evidence store); a
corrupt or foreign file is refused with one sentence and the target stays as it was
(a target that did not exist is not left behind). The records then go through the same
machinery as ``nitet import`` (exchange.py): supervisors by UUID (merged-in ones are
never the target's own: ``is_self = 0``), schools by code, activities and evidence by
UUID, so merging again adds nothing; a disagreement about one UUID is reported and the
later ``updated_at`` wins; deletions travel; the target owner's own profile is never
changed, and two people under one UUID or evidence moved to another entry are refused,
as for import. Evidence files are verified against their SHA-256 and copied
into the target's store, then the database is written in one transaction. A target
without a manual gets the first source's manual (duties and standards as stored).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from nitet_cli.errors import DatabaseError, InputError, NotFoundError
from nitet_cli.exchange import (
    SQLITE_HEADER,
    ApplyResult,
    Progress,
    Scratch,
    Source,
    apply_sources,
    check_conflicts,
    check_export,
    check_references,
    collect,
    collect_manual,
    copy_manual,
    damaged_database_says_so,
    file_names,
    place_files,
    plan_files,
    remove_unused_files,
    sqlite_head,
    store_files,
    written_or_undone,
)


def _read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=60)
    conn.row_factory = sqlite3.Row
    return conn


class _WalNeedsACopy(Exception):
    """The source has a WAL beside it that SQLite cannot read in place (see ``_needs_a_copy``)."""


def _needs_a_copy(path: Path, exc: sqlite3.Error) -> bool:
    """A database in WAL mode whose last writes are still in its ``-wal`` file can only be read
    where SQLite may create the ``-shm`` index beside it; in a read-only folder (a shared or
    mounted one) opening it fails with SQLITE_CANTOPEN although the file is good."""
    if not Path(f"{path}-wal").is_file() or Path(f"{path}-wal").stat().st_size == 0:
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    return code == 14 or (code is None and "unable to open" in str(exc))  # 14: SQLITE_CANTOPEN


def open_source(path: Path | str, shown: Path | str | None = None) -> sqlite3.Connection:
    """A source database opened read-only, after checking that it is an intact nitet database
    (``shown``: the name to use in messages when ``path`` is a copy of it)."""
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
    try:
        conn = _read_only(real)
    except sqlite3.Error as exc:
        raise DatabaseError(f"เปิด {path} ไม่ได้ ({exc}) — ตรวจสิทธิ์ของไฟล์และโฟลเดอร์") from exc
    try:
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }  # a damaged first page fails here
        except sqlite3.OperationalError as exc:
            if shown is None and _needs_a_copy(real, exc):
                raise _WalNeedsACopy() from exc
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
    """Refuse a target that exists but is not a nitet database, before anything opens it for writing."""
    from nitet_cli.db import check_database_file
    from nitet_cli.migrations import check_is_nitet

    path = Path(path)
    check_database_file(path)  # a folder, a FIFO (reading it would hang) or a device
    if not path.exists() or path.stat().st_size == 0:
        return
    header = sqlite_head(path)
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} ไม่ใช่ไฟล์ฐานข้อมูล SQLite (เสียหายหรือเป็นไฟล์ชนิดอื่น) — ระบุฐานข้อมูล nitet หรือชื่อไฟล์ใหม่")
    try:
        conn = _read_only(path)
    except sqlite3.Error as exc:
        raise DatabaseError(f"เปิด {path} ไม่ได้ ({exc}) — ตรวจสิทธิ์ของไฟล์และโฟลเดอร์") from exc
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


def _read_copy(path: Path, scratch: Callable[[], Path] | None) -> tuple[dict, dict | None]:
    """Read a source through a private copy of it and its WAL (in ``scratch()``, or the system's
    temporary folder), removed as soon as it has been read. The source is never written to."""
    work = Path(tempfile.mkdtemp(prefix="source-", dir=scratch() if scratch else None))
    try:
        copy = work / "source.db"
        try:
            shutil.copyfile(path, copy)
            shutil.copyfile(f"{path}-wal", f"{copy}-wal")
        except OSError as exc:
            raise DatabaseError(f"อ่าน {path} ไม่ได้ ({exc.strerror or exc}) — ตรวจสิทธิ์ของไฟล์และพื้นที่ว่าง") from exc
        conn = open_source(copy, shown=path)
        try:
            return _read(conn, path)
        finally:
            conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _read(conn: sqlite3.Connection, path: Path) -> tuple[dict, dict | None]:
    try:
        return check_export(collect(conn)), collect_manual(conn)
    except sqlite3.Error as exc:
        raise DatabaseError(f"อ่าน {path} ไม่ได้ ({exc}) — ให้เจ้าของตรวจด้วย 'nitet doctor' และส่งไฟล์สำรองมาแทน") from exc
    except InputError as exc:
        raise DatabaseError(f"{path}: ข้อมูลในฐานข้อมูลไม่ถูกต้อง ({exc.message})") from exc


def read_source(
    path: Path | str, on_progress: Progress | None = None, scratch: Callable[[], Path] | None = None
) -> Source:
    """Everything in one source database (records, manual, where its evidence files are)."""
    from nitet_cli.evidence_store import stored_path

    path = Path(path).expanduser()
    try:
        conn = open_source(path)
    except _WalNeedsACopy:
        data, manual = _read_copy(path, scratch)
    else:
        try:
            data, manual = _read(conn, path)
        finally:
            conn.close()

    def files(sha: str) -> Path | None:
        stored = stored_path(path, sha)
        return stored if stored.is_file() else None

    return Source(label=str(path), data=data, files=files, manual=manual or {"meta": [], "duties": [], "standards": []})


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def merge(target: Path | str, paths: list[Path | str], on_progress: Progress | None = None) -> ApplyResult:
    """Merge the databases ``paths`` into ``target`` (created when missing); all or nothing."""
    from nitet_cli.db import connect, transaction
    from nitet_cli.evidence_store import Staging

    target = Path(target).expanduser()
    if not paths:
        raise InputError("ไม่ได้ระบุฐานข้อมูลที่จะรวม — เช่น nitet merge a.db b.db --into group.db")
    sources: list[Source] = []
    seen: list[Path] = []
    with Scratch(target, ".incoming-merge-") as scratch:  # used only for a source that needs a copy
        for number, raw in enumerate(paths, 1):
            path = Path(raw).expanduser()
            if _same_file(path, target):
                raise InputError(f"{path} คือฐานข้อมูลปลายทางเอง — ระบุปลายทางอื่นด้วย --into หรือเอาไฟล์นี้ออกจากรายการ")
            if any(_same_file(path, other) for other in seen):
                continue  # the same file named twice: merging it once is the same as twice
            seen.append(path)
            if on_progress:
                on_progress("อ่านฐานข้อมูล", number - 1, len(paths))
            sources.append(read_source(path, scratch=scratch))
    if on_progress:
        on_progress("อ่านฐานข้อมูล", len(paths), len(paths))

    check_target(target)
    from nitet_cli.paths import evidence_dir

    created = not target.exists()
    store_created = not evidence_dir(target).exists()
    try:
        conn = connect(target, create=True)
    except BaseException:
        if created:
            _remove_database(target, store_created)
        raise
    try:
        manual_from = None
        if conn.execute("SELECT 1 FROM standards LIMIT 1").fetchone() is None:
            manual_from = next((s for s in sources if s.manual and s.manual["standards"]), None)
            if manual_from is None:
                raise NotFoundError(
                    "ทั้งฐานข้อมูลปลายทางและฐานข้อมูลที่จะรวมยังไม่มีคู่มือปฏิบัติงาน — โหลดคู่มือในปลายทางด้วย 'nitet init' ก่อน"
                )
        extra = [r["id"] for r in manual_from.manual["standards"]] if manual_from else []
        with damaged_database_says_so(target):
            check_references(conn, sources, extra)
            check_conflicts(conn, sources)
            files = plan_files(conn, target, sources, on_progress)
        result = ApplyResult()
        with Staging(conn, target) as staging:
            result.files_copied = store_files(staging, files, on_progress, file_names(sources))
            with written_or_undone(conn, target), transaction(conn):
                place_files(staging, sources, files)
                if manual_from is not None:
                    copy_manual(conn, manual_from.manual)
                    result.manual_copied = True
                apply_sources(conn, sources, result, on_progress)
    except BaseException:
        conn.close()
        if created:
            _remove_database(target, store_created)
        raise
    try:
        remove_unused_files(conn, target, result)
    finally:
        conn.close()
    return result


def _remove_database(path: Path, with_store: bool) -> None:
    """Take away a target this merge created, so that a refused merge leaves nothing behind."""
    from nitet_cli.paths import evidence_dir

    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        leftover.unlink(missing_ok=True)
    store = evidence_dir(path)
    if with_store and store.is_dir():
        import shutil

        shutil.rmtree(store, ignore_errors=True)
