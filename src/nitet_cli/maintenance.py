"""Keeping a supervisor's records safe: ``doctor`` (is everything intact?) and ``backup``.

``doctor`` checks what can go wrong with one SQLite file and the evidence store beside
it: SQLite's own ``integrity_check`` and ``foreign_key_check``, the schema version
against the migrations this program knows, and every stored evidence file against
the SHA-256 it is named by. Files in the store that nothing points to (left by an
interrupted command, or by an entry deleted later) are reported as warnings: they
waste space but lose nothing. ``doctor --fix`` removes them (and the temporary copies of
killed commands), under the write lock, rechecking that no row points to them; files that
are not nitet's are only reported.

``backup`` makes a consistent copy with SQLite's online backup API (one step, under
one read transaction, so a writer in another process neither blocks it nor tears it),
written to a temporary file and renamed into place, then copies every evidence file
the copied database points to and checks each copy's hash. ``doctor`` accepts the
result as it accepts the original.

Nothing here writes to the database being checked or copied (``--fix`` takes its write
lock only to remove files from the store).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nitet_cli.errors import DatabaseError, OutputError

ERROR = "error"
WARNING = "warning"
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
#: integrity_check stops after this many messages; a damaged file can produce thousands.
MAX_INTEGRITY_MESSAGES = 50


@dataclass
class Problem:
    severity: str  # ERROR or WARNING
    code: str  # integrity, foreign_key, schema_old, schema_new, schema_unknown, evidence_missing, evidence_altered, evidence_unreadable, stray_file
    message: str  # one Thai sentence for the user
    path: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class DoctorReport:
    db: str
    schema_version: int = 0
    current_version: int = 0
    activities: int = 0
    evidence_files: int = 0  # distinct stored files the database points to
    evidence_checked: int = 0  # of which present with the right hash
    problems: list[Problem] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # stray files doctor --fix took away

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "db": self.db,
            "schema_version": self.schema_version,
            "current_version": self.current_version,
            "activities": self.activities,
            "evidence_files": self.evidence_files,
            "evidence_checked": self.evidence_checked,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [p.as_dict() for p in self.problems],
            "removed": list(self.removed),
        }


def open_existing(db_path: Path) -> sqlite3.Connection:
    """Open a nitet database as it is, without upgrading its schema.

    ``doctor`` must look at the file as it is, and ``backup`` must copy it as it is
    (a backup taken before an upgrade is the one you want if the upgrade goes wrong).
    A missing file raises NotFoundError; a file that is not SQLite, or belongs to
    another program, raises DatabaseError.
    """
    from nitet_cli.db import connect
    from nitet_cli.migrations import MIGRATIONS_TABLE

    conn = connect(db_path, create=False, migrate=False)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise DatabaseError(f"{db_path} เปิดไม่ได้: ไฟล์ฐานข้อมูลเสียหาย ({exc}) — กู้คืนจากไฟล์สำรองของ 'nitet backup'") from exc
    if MIGRATIONS_TABLE not in tables:
        conn.close()
        raise DatabaseError(f"{db_path} ไม่ใช่ฐานข้อมูลของ nitet — ระบุไฟล์ฐานข้อมูล nitet ด้วย --db หรือ NITET_DB")
    return conn


# --- doctor ---------------------------------------------------------------------------


def doctor(conn: sqlite3.Connection, db_path: Path, *, fix: bool = False) -> DoctorReport:
    """Check the database and its evidence store; nothing is changed, except that with ``fix``
    the stray files of the store that are nitet's are removed (and no longer reported)."""
    from nitet_cli.migrations import current_version

    db_path = Path(db_path)
    report = DoctorReport(db=str(db_path), current_version=current_version())
    _check_integrity(conn, report)
    _check_foreign_keys(conn, report)
    _check_schema(conn, report)
    try:
        report.activities = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    except sqlite3.DatabaseError:
        pass  # a schema problem already reported
    _check_evidence(conn, db_path, report)
    if fix:
        if any(p.code not in ("evidence_missing", "evidence_altered") for p in report.errors):
            report.problems.append(
                Problem(
                    WARNING,
                    "stray_file",
                    "ไม่ได้ลบไฟล์ที่ค้างในที่เก็บหลักฐาน เพราะฐานข้อมูลมีข้อผิดพลาดข้างต้น (อาจอ่านรายการที่อ้างถึงไฟล์ได้ไม่ครบ)"
                    " — แก้ข้อผิดพลาดหรือกู้คืนจากไฟล์สำรองก่อน",
                )
            )
        else:
            _remove_strays(conn, db_path, report)
    return report


def _remove_strays(conn: sqlite3.Connection, db_path: Path, report: DoctorReport) -> None:
    from nitet_cli.evidence_store import clean_store

    try:
        removed, busy = clean_store(conn, db_path)
    except sqlite3.Error as exc:
        raise DatabaseError(f"ลบไฟล์ที่ไม่มีรายการใดอ้างถึงไม่สำเร็จ ({exc}) — ไม่ได้ลบอะไร; ลองใหม่") from exc
    except OSError as exc:
        raise OutputError(f"ลบไฟล์ในที่เก็บหลักฐานไม่ได้ ({exc.strerror or exc}) — ตรวจสิทธิ์ของโฟลเดอร์ แล้วลองใหม่") from exc
    gone = {str(p) for p in removed}
    report.removed = sorted(gone)
    report.problems = [p for p in report.problems if not (p.code == "stray_file" and p.path in gone)]
    if busy:
        report.problems.append(
            Problem(
                WARNING,
                "stray_file",
                "มีคำสั่งอื่นกำลังคัดลอกไฟล์หลักฐานอยู่ จึงยังไม่ลบไฟล์ชั่วคราว — รัน 'nitet doctor --fix' อีกครั้งเมื่อคำสั่งนั้นเสร็จ",
            )
        )


def _check_integrity(conn: sqlite3.Connection, report: DoctorReport) -> None:
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({MAX_INTEGRITY_MESSAGES})")]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows != ["ok"]:
        for message in rows:
            report.problems.append(
                Problem(ERROR, "integrity", f"ไฟล์ฐานข้อมูลเสียหาย: {message} — กู้คืนจากไฟล์สำรองของ 'nitet backup'")
            )


def _check_foreign_keys(conn: sqlite3.Connection, report: DoctorReport) -> None:
    try:
        rows = conn.execute("PRAGMA foreign_key_check").fetchall()
    except sqlite3.DatabaseError as exc:
        report.problems.append(Problem(ERROR, "foreign_key", f"ตรวจการอ้างอิงระหว่างตารางไม่ได้ ({exc})"))
        return
    # Group by (table, parent) so that a thousand orphans make one line each kind, not a thousand.
    groups: dict[tuple[str, str], list] = {}
    for table, rowid, parent, _fkid in rows:
        groups.setdefault((table, parent), []).append(rowid)
    for (table, parent), rowids in groups.items():
        shown = ", ".join(str(r) for r in rowids[:10]) + (" …" if len(rowids) > 10 else "")
        report.problems.append(
            Problem(
                ERROR,
                "foreign_key",
                f"ตาราง {table} มี {len(rowids)} แถวที่อ้างถึงข้อมูลใน {parent} ซึ่งไม่มีอยู่ (rowid {shown})"
                " — ข้อมูลขาดหาย: กู้คืนจากไฟล์สำรอง หรือเพิ่มข้อมูลที่ถูกอ้างถึงกลับเข้าไป",
            )
        )


def _check_schema(conn: sqlite3.Connection, report: DoctorReport) -> None:
    from nitet_cli.migrations import MIGRATIONS, MIGRATIONS_TABLE, schema_version

    try:
        applied = [r[0] for r in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY name")]
        report.schema_version = schema_version(conn)
    except sqlite3.DatabaseError as exc:
        report.problems.append(Problem(ERROR, "schema_unknown", f"อ่านรุ่นโครงสร้างฐานข้อมูลไม่ได้ ({exc})"))
        return
    known = [name for name, _ in MIGRATIONS]
    unknown = sorted(set(applied) - set(known))
    missing = [name for name in known if name not in applied]
    if unknown:
        report.problems.append(
            Problem(
                ERROR,
                "schema_new",
                f"ฐานข้อมูลนี้สร้างหรือปรับโดย nitet รุ่นที่ใหม่กว่า (migration {', '.join(unknown)})"
                " — ปรับรุ่นโปรแกรม nitet ก่อนใช้ไฟล์นี้",
            )
        )
    elif missing and missing != known[len(known) - len(missing):]:
        # Applied migrations must be a prefix of the known list; a hole means a broken upgrade.
        report.problems.append(
            Problem(
                ERROR,
                "schema_unknown",
                f"โครงสร้างฐานข้อมูลขาด migration กลางทาง ({', '.join(missing)}) ทั้งที่มีรุ่นหลังกว่าแล้ว"
                " — กู้คืนจากไฟล์สำรอง",
            )
        )
    elif missing:
        report.problems.append(
            Problem(
                WARNING,
                "schema_old",
                f"โครงสร้างฐานข้อมูลเป็นรุ่น {report.schema_version} ส่วนโปรแกรมนี้ใช้รุ่น {report.current_version}"
                " — คำสั่งถัดไปที่ใช้ฐานข้อมูล (เช่น 'nitet status') จะปรับรุ่นให้เอง",
            )
        )


def _check_evidence(conn: sqlite3.Connection, db_path: Path, report: DoctorReport) -> None:
    from nitet_cli.evidence_store import TEMPORARY, UNUSED, sha256_of, stray_files, stored_path

    try:
        rows = conn.execute(
            "SELECT sha256, min(original_name) AS name, count(*) AS n FROM evidence"
            " WHERE kind = 'file' AND sha256 IS NOT NULL GROUP BY sha256 ORDER BY sha256"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        report.problems.append(Problem(ERROR, "evidence_unreadable", f"อ่านรายการหลักฐานจากฐานข้อมูลไม่ได้ ({exc})"))
        return
    referenced: set[str] = set()
    report.evidence_files = len(rows)
    for sha, name, _count in rows:
        referenced.add(sha)
        path = stored_path(db_path, sha)
        label = f"'{name}'" if name else sha[:12]
        if not path.is_file():
            report.problems.append(
                Problem(
                    ERROR,
                    "evidence_missing",
                    f"ไฟล์หลักฐาน {label} หายไปจากที่เก็บ ({path}) — คัดลอกกลับจากไฟล์สำรองของ 'nitet backup'",
                    str(path),
                )
            )
            continue
        try:
            actual = sha256_of(path)
        except OSError as exc:
            report.problems.append(
                Problem(ERROR, "evidence_unreadable", f"อ่านไฟล์หลักฐาน {label} ไม่ได้ ({exc.strerror}) — ตรวจสิทธิ์ของไฟล์ {path}", str(path))
            )
            continue
        if actual != sha:
            report.problems.append(
                Problem(
                    ERROR,
                    "evidence_altered",
                    f"ไฟล์หลักฐาน {label} ถูกแก้ไขหลังบันทึก (SHA-256 ไม่ตรง) — คัดลอกต้นฉบับกลับจากไฟล์สำรองไปที่ {path}",
                    str(path),
                )
            )
            continue
        report.evidence_checked += 1

    for path, kind in stray_files(db_path, referenced):
        if kind == TEMPORARY:
            why, what = "ไฟล์ชั่วคราวที่ค้างจากคำสั่งที่ถูกขัดจังหวะ", "ลบด้วย 'nitet doctor --fix'"
        elif kind == UNUSED:
            why, what = "ไฟล์ที่ไม่มีรายการใดอ้างถึง", "ลบด้วย 'nitet doctor --fix'"
        else:
            why, what = "ไฟล์แปลกปลอมที่ไม่ใช่ของ nitet", "nitet ไม่ลบให้: ย้ายออกเองถ้าไม่ต้องการ"
        report.problems.append(
            Problem(WARNING, "stray_file", f"{why} ในที่เก็บหลักฐาน: {path} — {what} (ไม่กระทบข้อมูล)", str(path))
        )


# --- backup -----------------------------------------------------------------------------


@dataclass
class BackupResult:
    db: str
    evidence_dir: str
    activities: int = 0
    evidence_files: int = 0  # distinct stored files the backup points to
    copied: int = 0  # copied this time
    already_there: int = 0  # present in the destination with the right hash (an earlier backup)
    bytes_copied: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["problems"] = [p.as_dict() for p in self.problems]
        return data


def backup_target(db_path: Path, dest: Path | str) -> Path:
    """Where ``backup`` writes: into DEST if it is (or will be) a folder, or DEST itself if it names a .db file."""
    dest = Path(dest).expanduser()
    if dest.is_dir():
        target = dest / db_path.name
    elif dest.suffix.lower() in DB_SUFFIXES:
        target = dest
        if not target.parent.is_dir():
            raise OutputError(f"ไม่มีโฟลเดอร์ {target.parent} — สร้างโฟลเดอร์ก่อน หรือเลือกที่เก็บสำรองอื่น")
    elif dest.exists():
        raise OutputError(f"{dest} เป็นไฟล์ที่ไม่ใช่ฐานข้อมูล — ระบุโฟลเดอร์ หรือชื่อไฟล์ที่ลงท้ายด้วย .db เช่น {dest}.db")
    else:
        if not dest.parent.is_dir():
            raise OutputError(f"ไม่มีโฟลเดอร์ {dest.parent} — สร้างโฟลเดอร์ก่อน หรือเลือกที่เก็บสำรองอื่น")
        target = dest / db_path.name  # a new folder, made by backup()
    if target.exists() and db_path.exists() and os.path.samefile(target, db_path):
        raise OutputError(f"ที่เก็บสำรอง {target} คือฐานข้อมูลที่ใช้อยู่เอง — เลือกโฟลเดอร์หรือไฟล์อื่น")
    for suffix in ("-wal", "-shm"):
        if Path(f"{target}{suffix}").exists():
            raise OutputError(
                f"{target} ดูเหมือนเป็นฐานข้อมูลที่มีโปรแกรมเปิดใช้อยู่ (มีไฟล์ {target.name}{suffix}) — เลือกที่เก็บสำรองอื่น"
            )
    return target


def backup(conn: sqlite3.Connection, db_path: Path, dest: Path | str) -> BackupResult:
    """Copy the database (consistently, while others may write) and its evidence to ``dest``."""
    from nitet_cli.paths import evidence_dir

    db_path = Path(db_path)
    target = backup_target(db_path, dest)
    if not target.parent.exists():
        target.parent.mkdir(mode=0o700)
    result = BackupResult(db=str(target), evidence_dir=str(evidence_dir(target)))

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"เขียนไฟล์ในโฟลเดอร์ {target.parent} ไม่ได้ ({exc.strerror}) — เลือกที่เก็บสำรองที่เขียนได้") from exc
    os.close(fd)
    os.chmod(tmp_name, 0o600)
    tmp = Path(tmp_name)
    try:
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            # pages=-1: every page in one step, under one read transaction of the source:
            # a consistent snapshot that a concurrent writer (WAL) neither blocks nor restarts.
            conn.backup(copy, pages=-1)
            copy.execute("PRAGMA journal_mode = DELETE").fetchone()
            check = [r[0] for r in copy.execute("PRAGMA quick_check")]
            if check != ["ok"]:
                raise DatabaseError(f"สำเนาฐานข้อมูลตรวจไม่ผ่าน ({'; '.join(check[:3])}) — ตรวจต้นฉบับด้วย 'nitet doctor'")
            shas = [
                r[0]
                for r in copy.execute(
                    "SELECT DISTINCT sha256 FROM evidence WHERE kind = 'file' AND sha256 IS NOT NULL ORDER BY sha256"
                )
            ]
            result.activities = copy.execute("SELECT count(*) FROM activities").fetchone()[0]
        finally:
            copy.close()
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except sqlite3.Error as exc:
        raise DatabaseError(f"สำรองฐานข้อมูลไม่สำเร็จ ({exc}) — ตรวจต้นฉบับด้วย 'nitet doctor' แล้วลองใหม่") from exc
    except OSError as exc:
        raise OutputError(f"เขียนไฟล์สำรอง {target} ไม่ได้ ({exc.strerror or exc}) — ตรวจพื้นที่ว่างและสิทธิ์ของโฟลเดอร์") from exc
    finally:
        if tmp.exists():
            tmp.unlink()

    result.evidence_files = len(shas)
    _copy_evidence(db_path, target, shas, result)
    return result


def _copy_evidence(db_path: Path, target: Path, shas: list[str], result: BackupResult) -> None:
    from nitet_cli.evidence_store import sha256_of, stored_path
    from nitet_cli.paths import evidence_dir

    if not shas:
        return
    root = evidence_dir(target)
    try:
        root.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"สร้างโฟลเดอร์หลักฐาน {root} ไม่ได้ ({exc.strerror}) — ตรวจสิทธิ์ของโฟลเดอร์") from exc
    for sha in shas:
        source = stored_path(db_path, sha)
        dest = stored_path(target, sha)
        if dest.is_file() and sha256_of(dest) == sha:
            result.already_there += 1
            continue
        if not source.is_file():
            result.problems.append(
                Problem(
                    ERROR,
                    "evidence_missing",
                    f"ไฟล์หลักฐาน {sha[:12]}… ไม่มีในที่เก็บต้นฉบับ ({source}) จึงไม่ได้สำรอง — ตรวจด้วย 'nitet doctor'",
                    str(source),
                )
            )
            continue
        dest.parent.mkdir(mode=0o700, exist_ok=True)
        try:
            fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
            os.close(fd)
            try:
                shutil.copyfile(source, tmp_name)
                os.chmod(tmp_name, 0o600)
                copied_sha = sha256_of(Path(tmp_name))
                _fsync(Path(tmp_name))
                os.replace(tmp_name, dest)
            finally:
                if os.path.exists(tmp_name):
                    os.unlink(tmp_name)
        except OSError as exc:
            raise OutputError(f"คัดลอกไฟล์หลักฐานไปที่ {dest} ไม่ได้ ({exc.strerror or exc}) — ตรวจพื้นที่ว่างและสิทธิ์ของโฟลเดอร์") from exc
        result.copied += 1
        result.bytes_copied += dest.stat().st_size
        if copied_sha != sha:
            # Copied as it is (it may be all that is left), but said loudly.
            result.problems.append(
                Problem(
                    ERROR,
                    "evidence_altered",
                    f"ไฟล์หลักฐานต้นฉบับ {source} ไม่ตรงกับ SHA-256 ที่บันทึกไว้ (ถูกแก้ไขหลังบันทึก) — สำรองไว้ตามที่เป็นอยู่; ตรวจด้วย 'nitet doctor'",
                    str(source),
                )
            )
    _fsync_dir(root)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
