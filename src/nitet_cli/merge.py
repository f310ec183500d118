"""``nitet merge A.db B.db … [--into group.db]``: one database for a group head.

Every source is opened read-only (``file:…?mode=ro``), checked to be a nitet database
that is not damaged (``quick_check``), and read whole before the target is touched (a
source whose WAL SQLite cannot read in place, in a read-only folder, is read through a
private copy of the file and its WAL inside the target's evidence store); a
corrupt or foreign file is refused with one sentence and the target stays as it was
(a target that did not exist is not left behind). The records then go through the same
machinery as ``nitet import`` (:mod:`nitet_cli.exchange`): supervisors by UUID (merged-in ones are
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

from nitet_cli.db import WalNeedsACopy, check_target, open_nitet_read_only
from nitet_cli.errors import DatabaseError, InputError, NotFoundError
from nitet_cli.exchange.apply import ApplyResult, copy_manual, remove_unused_files, write_sources
from nitet_cli.exchange.collect import read_database
from nitet_cli.exchange.files import Progress, Scratch, Source, check_target_place


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
        conn = open_nitet_read_only(copy, shown=path)
        try:
            return _read(conn, path)
        finally:
            conn.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _read(conn: sqlite3.Connection, path: Path) -> tuple[dict, dict | None]:
    try:
        return read_database(conn)
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
        conn = open_nitet_read_only(path)
    except WalNeedsACopy:
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


def merge(
    target: Path | str,
    paths: list[Path | str],
    on_progress: Progress | None = None,
    announce=None,
    db: Path | str | None = None,
) -> ApplyResult:
    """Merge the databases ``paths`` into ``target`` (created when missing); all or nothing. ``announce``:
    as :func:`nitet_cli.db.connect`'s, for the target's upgrade. ``db``: the database in use
    (``--db``), whose evidence store the target may not be in (nor in a source's)."""
    from nitet_cli.db import connect

    target = Path(target).expanduser()
    if not paths:
        raise InputError("ไม่ได้ระบุฐานข้อมูลที่จะรวม — เช่น nitet merge a.db b.db --into group.db")
    check_target_place(target, [*([db] if db is not None else []), *paths])
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
        conn = connect(target, create=True, announce=announce)
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

        def manual_first(result: ApplyResult) -> None:
            if manual_from is not None:
                copy_manual(conn, manual_from.manual)
                result.manual_copied = True

        result = write_sources(
            conn, target, sources, extra_standards=extra, first=manual_first, on_progress=on_progress
        )
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
        shutil.rmtree(store, ignore_errors=True)
