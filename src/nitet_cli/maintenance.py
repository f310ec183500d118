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
one read transaction, so a writer in another process neither blocks it nor tears it)
into a temporary file, copies every evidence file that copy points to (each checked
against its hash, written atomically), and only then renames the database copy into
place: a backup killed at any moment leaves the previous one whole. ``doctor`` accepts
the result as it accepts the original. It never writes over the database in use, its
store, or a database that is not an earlier backup of this one. Into a folder it writes a
dated copy (``nitet-YYYY-MM-DDTHHMM.db``) beside the others, all sharing one evidence store
(``paths.evidence_dir``); ``--keep N`` removes the oldest of this database's copies beyond N.

A time stamp more than a day ahead of this computer's clock (an entry, follow-up, school or
supervisor edited while a clock was wrong, or kept by an import before import refused such
stamps; a deletion so stamped) would win every disagreement in the next import or merge, or,
on a deletion, be disbelieved by every other database: ``doctor`` names each one (a warning).

Nothing here writes to the database being checked or copied, except ``--fix``: it removes
files from the store, and sets the stamps ahead of the clock to now, in one transaction
(nothing else in those rows changes; nothing is deleted).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

from nitet_cli.clock import now_iso
from nitet_cli.db import open_read_only
from nitet_cli.deletions import wrong_clock
from nitet_cli.errors import DatabaseError, InputError, OutputError

ERROR = "error"
WARNING = "warning"
DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
#: integrity_check stops after this many messages; a damaged file can produce thousands.
MAX_INTEGRITY_MESSAGES = 50


@dataclass
class Problem:
    severity: str  # ERROR or WARNING
    code: str  # integrity, foreign_key, schema_old, schema_new, schema_unknown, evidence_missing, evidence_altered, evidence_unreadable, stray_file, future_stamp
    message: str  # one Thai sentence for the user
    path: str | None = None
    table: str | None = None  # future_stamp: the table, the row (an entry's id, a school's code, …) and its stamp
    key: int | str | None = None
    stamp: str | None = None

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
    restamped: list[dict] = field(default_factory=list)  # stamps ahead of the clock doctor --fix set to now

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
            "restamped": list(self.restamped),
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
    now = now_iso()
    clock_problem = wrong_clock(now)
    if clock_problem is None:
        _check_stamps(conn, report, now)
    else:  # every true stamp would look ahead of this clock: none is judged, none is set to it
        report.problems.append(Problem(ERROR, "wrong_clock", clock_problem))
    if fix:
        # A wrong clock hides no entry: the strays are removed as usual (no stamp is judged by it).
        if any(p.code not in ("evidence_missing", "evidence_altered", "wrong_clock") for p in report.errors):
            report.problems.append(
                Problem(
                    WARNING,
                    "stray_file",
                    "ไม่ได้ลบไฟล์ที่ค้างในที่เก็บหลักฐาน และไม่ได้ลงเวลาใหม่ เพราะฐานข้อมูลมีข้อผิดพลาดข้างต้น"
                    " (อาจอ่านรายการได้ไม่ครบ) — แก้ข้อผิดพลาดหรือกู้คืนจากไฟล์สำรองก่อน",
                )
            )
        else:
            _remove_strays(conn, db_path, report)
            if any(p.code == FUTURE_STAMP for p in report.problems):
                _restamp(conn, report, now)
    return report


# --- time stamps ahead of this computer's clock -----------------------------------------------

FUTURE_STAMP = "future_stamp"
#: At most this many lines per table; the rest are counted in one more line.
MAX_STAMP_LINES = 20


@dataclass(frozen=True)
class _Stamped:
    """A table whose time stamps decide who wins in an import or merge."""

    table: str
    key: str  # the column that names a row to a person
    label: str  # the column a person recognises the row by
    stamps: tuple[str, ...]  # the stamp columns
    named: str  # the row in Thai: {key} and {label} filled in
    again: str = ""  # what else stamps the row anew, in Thai


_WINS = "ในฐานข้อมูลนี้เวลานี้ชนะการแก้ไขอื่นทุกครั้งที่นำเข้าหรือรวม ส่วนฐานข้อมูลอื่นไม่เชื่อเวลานี้"
_STAMPED = (
    _Stamped(
        "activities",
        "id",
        "title",
        ("updated_at", "created_at"),
        "รายการที่ {key} '{label}'",
        " หรือแก้รายการนี้ด้วย 'nitet edit {key} …' ซึ่งลงเวลาเป็นตอนนี้เช่นกัน",
    ),
    _Stamped("follow_ups", "id", "text", ("updated_at", "created_at"), "ข้อเสนอแนะที่ต้องติดตามที่ {key} '{label}'"),
    _Stamped("schools", "code", "name", ("updated_at", "created_at"), "โรงเรียน '{label}' (รหัส {key})"),
    _Stamped("supervisors", "uuid", "name", ("updated_at",), "ศึกษานิเทศก์ '{label}' ({key})"),
    _Stamped("deletions", "uuid", "kind", ("deleted_at",), "การลบ{label} {key}"),
)


def _ahead(conn: sqlite3.Connection, spec: _Stamped, now: str) -> list[tuple]:
    """(key, label, {column: stamp ahead}) of the rows of ``spec.table`` with a stamp more than a day
    ahead of ``now``; [] when the table is not there (an older schema). The SQL keeps only rows whose
    stamp's date is today or later (a stamp's offset moves its date by under a day either way)."""
    from datetime import datetime, timezone

    from nitet_cli.deletions import ahead_of_clock

    today = datetime.fromisoformat(now).astimezone(timezone.utc).date().isoformat()
    where = " OR ".join(f"substr({c}, 1, 10) >= ?" for c in spec.stamps)
    try:
        rows = conn.execute(
            f"SELECT {spec.key}, {spec.label}, {', '.join(spec.stamps)} FROM {spec.table} WHERE {where}"
            f" ORDER BY {spec.key}",
            (today,) * len(spec.stamps),
        ).fetchall()
    except sqlite3.DatabaseError:
        return []  # no such table yet, or damage already reported
    found = []
    for key, label, *values in rows:
        late = {c: v for c, v in zip(spec.stamps, values, strict=True) if ahead_of_clock(v, now)}
        if late:
            found.append((key, label, late))
    return found


def _check_stamps(conn: sqlite3.Connection, report: DoctorReport, now: str) -> None:
    from nitet_cli.deletions import instant
    from nitet_cli.thai import be_date

    for spec in _STAMPED:
        rows = _ahead(conn, spec, now)
        for key, label, late in rows[:MAX_STAMP_LINES]:
            stamp = max(late.values(), key=instant)
            if spec.table == "deletions":
                label = "หลักฐาน" if label == "evidence" else "รายการ"
                effect = "ฐานข้อมูลอื่นจะไม่เชื่อและไม่ทำตามการลบนี้เมื่อนำเข้าหรือรวม"
            else:
                effect = _WINS
            report.problems.append(
                Problem(
                    WARNING,
                    FUTURE_STAMP,
                    f"{spec.named.format(key=key, label=label)} ลงเวลาไว้ {be_date(stamp)} ซึ่งยังมาไม่ถึงตามนาฬิกาของเครื่องนี้"
                    f" (นาฬิกาผิดขณะบันทึก หรือรับมาจากเครื่องที่นาฬิกาผิด): {effect}"
                    f" — 'nitet doctor --fix' ลงเวลาเป็นตอนนี้ให้ โดยไม่เปลี่ยนข้อมูลอื่น{spec.again.format(key=key)}",
                    table=spec.table,
                    key=key,
                    stamp=stamp,
                )
            )
        if len(rows) > MAX_STAMP_LINES:
            report.problems.append(
                Problem(
                    WARNING,
                    FUTURE_STAMP,
                    f"และอีก {len(rows) - MAX_STAMP_LINES} แถวในตาราง {spec.table} ที่ลงเวลาไว้ล่วงหน้าเกินหนึ่งวัน"
                    " — 'nitet doctor --fix' ลงเวลาเป็นตอนนี้ให้ทั้งหมด",
                    table=spec.table,
                )
            )


def _restamp(conn: sqlite3.Connection, report: DoctorReport, now: str) -> None:
    """Set every stamp ahead of the clock to ``now``, in one transaction, looked for again under the
    write lock (a row written meanwhile is judged as it is then). Nothing else in a row changes."""
    from nitet_cli.db import transaction

    done: list[dict] = []
    try:
        with transaction(conn):
            for spec in _STAMPED:
                for key, _label, late in _ahead(conn, spec, now):
                    sets = ", ".join(f"{c} = ?" for c in late)
                    conn.execute(f"UPDATE {spec.table} SET {sets} WHERE {spec.key} = ?", (*[now] * len(late), key))
                    done.extend({"table": spec.table, "key": key, "column": c, "was": v} for c, v in late.items())
    except sqlite3.Error as exc:
        raise DatabaseError(f"ลงเวลาใหม่ไม่สำเร็จ ({exc}) — ไม่ได้เปลี่ยนอะไร; ลองใหม่") from exc
    report.restamped = done
    report.problems = [p for p in report.problems if p.code != FUTURE_STAMP]


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
    report.problems = [
        p
        for p in report.problems
        if not (p.code == "stray_file" and p.path in gone)
        and not (p.code == "evidence_old_name" and not Path(p.path).exists())
    ]
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
    elif missing and missing != known[len(known) - len(missing) :]:
        # Applied migrations must be a prefix of the known list; a hole means a broken upgrade.
        report.problems.append(
            Problem(
                ERROR,
                "schema_unknown",
                f"โครงสร้างฐานข้อมูลขาด migration กลางทาง ({', '.join(missing)}) ทั้งที่มีรุ่นหลังกว่าแล้ว — กู้คืนจากไฟล์สำรอง",
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
    from nitet_cli.evidence_store import TEMPORARY, UNUSED, referenced_names, sha256_of, stored_path, stray_files
    from nitet_cli.paths import evidence_dir

    try:
        rows = conn.execute(
            "SELECT sha256, min(original_name) AS name, count(*) AS n FROM evidence"
            " WHERE kind = 'file' AND sha256 IS NOT NULL GROUP BY sha256 ORDER BY sha256"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        report.problems.append(Problem(ERROR, "evidence_unreadable", f"อ่านรายการหลักฐานจากฐานข้อมูลไม่ได้ ({exc})"))
        return
    report.evidence_files = len(rows)
    for sha, name, _count in rows:
        path = stored_path(db_path, sha, name)  # any name of the content: each has the same bytes
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
                Problem(
                    ERROR,
                    "evidence_unreadable",
                    f"อ่านไฟล์หลักฐาน {label} ไม่ได้ ({exc.strerror}) — ตรวจสิทธิ์ของไฟล์ {path}",
                    str(path),
                )
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

    referenced = referenced_names(conn)
    for sha, names in sorted(referenced.items()):
        path = evidence_dir(db_path) / sha[:2] / sha  # the name before m013
        if sha not in names and path.is_file() and any(not (path.parent / n).is_file() for n in names):
            report.problems.append(
                Problem(
                    WARNING,
                    "evidence_old_name",
                    f"ไฟล์หลักฐาน {path} ยังใช้ชื่อแบบเดิมที่ไม่มีนามสกุล (การปรับรุ่นเปลี่ยนชื่อไม่สำเร็จ) — ตั้งชื่อใหม่ด้วย 'nitet doctor --fix' (ไม่กระทบข้อมูล)",
                    str(path),
                )
            )
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
    removed: list[str] = field(default_factory=list)  # older dated copies that --keep removed
    files_removed: int = 0  # evidence files of the shared store that no kept copy uses any more
    kept: list[str] = field(default_factory=list)  # the dated copies now in the folder, oldest first

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["problems"] = [p.as_dict() for p in self.problems]
        return data


def dated_name(db_path: Path, when) -> str:
    """``nitet-2026-11-24T0930.db``: the name of a dated copy of ``db_path`` made at ``when`` (local time)."""
    return f"{Path(db_path).stem}-{when.strftime('%Y-%m-%dT%H%M')}.db"


def dated_copies(folder: Path, stem: str | None = None) -> list[Path]:
    """The dated copies in ``folder`` (of databases named ``stem``, or of any), oldest first."""
    from nitet_cli.paths import dated_copy

    found = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    for path in entries:
        match = dated_copy(path.stem) if path.suffix == ".db" else None
        if match and (stem is None or match["stem"] == stem) and path.is_file():
            found.append((match["stamp"], path.name, path))
    return [path for _, _, path in sorted(found)]


def backup_target(db_path: Path, dest: Path | str, when=None) -> Path:
    """Where ``backup`` writes: a dated copy in DEST if it is (or will be) a folder
    (``DEST/nitet-YYYY-MM-DDTHHMM.db``, ``when`` the local time), or DEST itself if it names a .db file.

    Refused (OutputError, nothing written): a place that is the database in use, its
    ``-wal``/``-shm``/``-journal`` or anything in its evidence store; a copy whose own
    evidence store would be the live one; a database another program has open.
    """
    from nitet_cli.clock import now_local
    from nitet_cli.files import protected_by
    from nitet_cli.paths import evidence_dir

    dest = Path(dest).expanduser()
    name = dated_name(db_path, when or now_local())
    if dest.is_dir():
        target = dest / name
    elif dest.suffix.lower() in DB_SUFFIXES:
        target = dest
        if not target.parent.is_dir():
            raise OutputError(f"ไม่มีโฟลเดอร์ {target.parent} — สร้างโฟลเดอร์ก่อน หรือเลือกที่เก็บสำรองอื่น")
    elif dest.exists():
        raise OutputError(f"{dest} เป็นไฟล์ที่ไม่ใช่ฐานข้อมูล — ระบุโฟลเดอร์ หรือชื่อไฟล์ที่ลงท้ายด้วย .db เช่น {dest}.db")
    else:
        if not dest.parent.is_dir():
            raise OutputError(f"ไม่มีโฟลเดอร์ {dest.parent} — สร้างโฟลเดอร์ก่อน หรือเลือกที่เก็บสำรองอื่น")
        target = dest / name  # a new folder, made by backup()
        what = protected_by(dest, db_path)  # a folder named nitet.db-journal: SQLite could no longer open the database
        if what is not None:
            raise OutputError(f"ไม่สร้างโฟลเดอร์สำรอง {dest} เพราะเป็นชื่อของ{what} — เลือกโฟลเดอร์หรือชื่อไฟล์อื่นสำหรับไฟล์สำรอง")
    what = protected_by(target, db_path)
    if what is not None:
        raise OutputError(f"ไม่สำรองไปที่ {target} เพราะเป็น{what} — เลือกโฟลเดอร์หรือชื่อไฟล์อื่นสำหรับไฟล์สำรอง")
    what = protected_by(evidence_dir(target), db_path)
    if what is not None:
        raise OutputError(
            f"ไม่สำรองไปที่ {target} เพราะที่เก็บหลักฐานของสำเนา ({evidence_dir(target)}) จะเป็น{what}"
            " — ตั้งชื่อไฟล์สำรองให้ต่างจากชื่อฐานข้อมูล หรือเลือกโฟลเดอร์อื่น"
        )
    for suffix in ("-wal", "-shm"):
        if Path(f"{target}{suffix}").exists():
            raise OutputError(
                f"{target} ดูเหมือนเป็นฐานข้อมูลที่มีโปรแกรมเปิดใช้อยู่ (มีไฟล์ {target.name}{suffix}) — เลือกที่เก็บสำรองอื่น"
            )
    return target


@dataclass(frozen=True)
class _Identity:
    """Whose database this is: its owner's supervisor UUID, or (a group database, no owner) everyone in it."""

    owner: str | None
    owner_name: str | None
    supervisors: frozenset[str]

    def may_replace(self, older: _Identity) -> bool:
        """``older`` is (an earlier state of) a backup of this database."""
        if self.owner is not None:
            return older.owner == self.owner
        # A group database: no owner, and nobody in the old copy who is not in this one
        # (supervisors are added by merges, never removed).
        return older.owner is None and older.supervisors <= self.supervisors


def _identity(conn: sqlite3.Connection) -> _Identity:
    rows = conn.execute("SELECT uuid, name, is_self FROM supervisors").fetchall()
    owner = next((r for r in rows if r[2]), None)
    return _Identity(owner[0] if owner else None, owner[1] if owner else None, frozenset(r[0] for r in rows))


def check_replaceable(conn: sqlite3.Connection, db_path: Path, target: Path) -> None:
    """An existing ``target`` may be replaced only by a backup of the same database.

    "The same database" is the same owner (the supervisor UUID with ``is_self``, which a
    backup copies and nothing changes); for a group database without an owner, a copy
    whose supervisors are all still in it. Anything else there — another person's or
    the group's database, another program's, a file that is not SQLite — is refused.
    """
    from nitet_cli.files import is_sqlite_file
    from nitet_cli.migrations import MIGRATIONS_TABLE

    if not os.path.lexists(target):
        return
    try:
        info = target.stat()
    except OSError as exc:
        raise OutputError(f"ไม่สำรองไปที่ {target}: ตรวจไฟล์ที่มีอยู่ตรงนั้นไม่ได้ ({exc.strerror}) — เลือกชื่อไฟล์อื่น") from exc
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"ไม่สำรองไปที่ {target} เพราะไม่ใช่ไฟล์ธรรมดา — เลือกโฟลเดอร์หรือชื่อไฟล์ .db อื่น")
    if info.st_size == 0:
        return  # an empty file: nothing to lose
    refuse = f"ไม่เขียนทับ {target} เพราะ{{}} ไม่ใช่ไฟล์สำรองของ {db_path} — สำรองไปที่โฟลเดอร์หรือชื่อไฟล์อื่น"
    if not is_sqlite_file(target):
        raise OutputError(refuse.format("เป็นไฟล์อื่นที่ไม่ใช่ฐานข้อมูล"))
    try:
        other = open_read_only(target, immutable=True)
        try:
            tables = {r[0] for r in other.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            theirs = _identity(other) if MIGRATIONS_TABLE in tables and "supervisors" in tables else None
        finally:
            other.close()
    except sqlite3.Error:
        raise OutputError(refuse.format("เปิดอ่านไม่ได้ (ไฟล์เสียหาย) จึงบอกไม่ได้ว่าเป็นสำเนาของฐานข้อมูลนี้หรือไม่")) from None
    if theirs is None:
        raise OutputError(refuse.format("เป็นฐานข้อมูลของโปรแกรมอื่น"))
    try:
        ours = _identity(conn)
    except sqlite3.Error as exc:
        raise DatabaseError(f"อ่านข้อมูลผู้จัดทำจาก {db_path} ไม่ได้ ({exc}) — ตรวจด้วย 'nitet doctor'") from exc
    if not ours.may_replace(theirs):
        whose = f"ของ {theirs.owner_name}" if theirs.owner_name else "รวมของกลุ่ม" if theirs.owner is None else "ของคนอื่น"
        raise OutputError(refuse.format(f"เป็นฐานข้อมูล nitet {whose}"))


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold an exclusive lock on ``folder`` (two backups into one folder take turns); yields
    whether it is held (not on Windows, nor on a network or FAT folder that has no locks)."""
    try:
        import fcntl
    except ImportError:
        yield False
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            locked = False
        else:
            locked = True
        yield locked
    finally:
        os.close(fd)  # releases the lock


#: How a backup names its temporary copies in the backup's store: a temporary copy to
#: ``doctor`` (evidence_store.TEMP_PREFIX), and only ever the backup's own to the next backup.
BACKUP_TEMP_PREFIX = ".incoming-backup-"


def _remove_leftovers(target: Path) -> None:
    """Temporary files a killed backup into the same place left (only backup's own names; under the lock)."""
    from nitet_cli.files import remove_quietly
    from nitet_cli.paths import dated_copy, evidence_dir

    dated = dated_copy(target.stem)
    names = {target.name}
    for path in target.parent.iterdir():
        # ".<copy name>.<random>.tmp": this copy's, or (dated) any earlier dated copy's of the same database
        if not (path.name.startswith(".") and path.name.endswith(".tmp") and path.is_file()):
            continue
        copy = path.name[1:].split(".db.", 1)[0] + ".db" if ".db." in path.name else None
        same = copy in names or (
            dated is not None and copy is not None and (m := dated_copy(Path(copy).stem)) and m["stem"] == dated["stem"]
        )
        if same:
            remove_quietly(path)
    root = evidence_dir(target)
    if root.is_dir():
        for path in root.glob(f"*/{BACKUP_TEMP_PREFIX}*"):
            remove_quietly(path)


def backup(conn: sqlite3.Connection, db_path: Path, dest: Path | str, *, keep: int | None = None) -> BackupResult:
    """Copy the database (consistently, while others may write) and its evidence to ``dest``:
    into a folder as a dated copy (``nitet-YYYY-MM-DDTHHMM.db``, every copy there sharing one
    evidence store, files by hash), or to the .db file named.

    Order, so that a backup killed at any moment leaves the previous one valid: a snapshot
    of the database into a temporary file; every evidence file it points to, each written
    to a temporary name, fsynced and renamed; only then the database renamed over the old
    copy. The evidence store of a backup only grows, so the old copy's files stay there —
    until ``keep``: then the oldest dated copies of this database beyond ``keep`` are removed
    (never the one just written, never another database's), and the shared store's files that
    no copy left in the folder uses (under the folder's lock only).
    """
    from nitet_cli.files import atomic_output, write_error
    from nitet_cli.paths import dated_copy, evidence_dir

    db_path = Path(db_path)
    if keep is not None and keep < 1:
        raise InputError(f"--keep ต้องเป็นจำนวนสำเนาอย่างน้อย 1 เช่น --keep 14 ไม่ใช่ {keep}")
    target = backup_target(db_path, dest)
    if keep is not None and not dated_copy(target.stem):
        raise InputError(f"--keep ใช้กับการสำรองลงโฟลเดอร์ (สำเนาลงวันที่) เท่านั้น — ระบุโฟลเดอร์แทน {target.name}")
    check_replaceable(conn, db_path, target)
    if not target.parent.exists():
        try:
            target.parent.mkdir(mode=0o700)
        except OSError as exc:
            raise write_error(target.parent, exc, existed=False) from exc
    result = BackupResult(db=str(target), evidence_dir=str(evidence_dir(target)))
    with _locked(target.parent) as alone:
        if alone:  # no other backup into this folder is running: what is left there is from a killed one
            _remove_leftovers(target)
        with atomic_output(target) as tmp:
            shas = _snapshot(conn, tmp, target, result)
            result.evidence_files = len(shas)
            _copy_evidence(db_path, target, shas, result)
        if keep is not None and result.ok:  # an incomplete copy never makes an older one go
            _keep_newest(conn, target, keep, result, prune_store=alone)
    dated = dated_copy(target.stem)
    if dated:
        result.kept = [p.name for p in dated_copies(target.parent, dated["stem"])]
    return result


def _keep_newest(conn: sqlite3.Connection, target: Path, keep: int, result: BackupResult, *, prune_store: bool) -> None:
    """Remove the dated copies of this database beyond the newest ``keep`` (``target`` always
    stays; a copy of another database, or one that cannot be read, is never touched), then
    the files of the shared store that no database left in the folder points to."""
    from nitet_cli.files import SIDE_SUFFIXES, remove_quietly
    from nitet_cli.paths import dated_copy

    stem = dated_copy(target.stem)["stem"]
    ours = []
    for path in dated_copies(target.parent, stem):
        if path == target:
            continue
        try:
            check_replaceable(conn, target, path)  # the same owner (or group) as this database
        except (OutputError, DatabaseError):
            continue
        ours.append(path)
    for path in ours[: max(0, len(ours) - (keep - 1))]:
        try:
            path.unlink()
        except OSError as exc:
            result.problems.append(
                Problem(WARNING, "backup_keep", f"ลบสำเนาเก่า {path} ไม่ได้ ({exc.strerror}) — ลบเองได้", str(path))
            )
            continue
        for suffix in SIDE_SUFFIXES:
            remove_quietly(Path(f"{path}{suffix}"))
        result.removed.append(path.name)
    if result.removed and prune_store:
        result.files_removed = _prune_shared_store(target)


def _prune_shared_store(target: Path) -> int:
    """Remove the stored files of ``target``'s shared store that no database in its folder using
    that store points to. Nothing is removed when any of them cannot be read."""
    from nitet_cli.evidence_store import STORED_NAME
    from nitet_cli.files import remove_quietly
    from nitet_cli.paths import evidence_dir

    store = evidence_dir(target)
    if not store.is_dir():
        return 0
    referenced: set[str] = set()
    for path in target.parent.iterdir():
        if path.suffix.lower() not in DB_SUFFIXES or not path.is_file() or evidence_dir(path) != store:
            continue
        try:
            other = open_read_only(path, immutable=True)
            try:
                referenced.update(
                    r[0] for r in other.execute("SELECT DISTINCT sha256 FROM evidence WHERE sha256 IS NOT NULL")
                )
            finally:
                other.close()
        except sqlite3.Error:
            return 0  # cannot tell what it needs: keep everything
    removed = 0
    for folder in store.iterdir():
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for path in folder.iterdir():
            stored = STORED_NAME.fullmatch(path.name)  # <sha256> or <sha256>.jpg: any name of the content
            if stored and path.name[:2] == folder.name and stored.group(1) not in referenced:
                remove_quietly(path)
                removed += not path.exists()
    return removed


@dataclass
class BackupCopy:
    name: str
    path: str
    taken: str  # local time, ISO without seconds (from the name)
    size: int
    activities: int | None  # None: the copy cannot be read
    owner: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def list_backups(folder: Path | str) -> list[BackupCopy]:
    """The dated copies ``nitet backup DIR`` left in ``folder``, oldest first, each read (read-only)
    for its number of activities and its owner."""
    from datetime import datetime

    from nitet_cli.errors import NotFoundError
    from nitet_cli.paths import dated_copy

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise NotFoundError(f"ไม่มีโฟลเดอร์ {folder} — ระบุโฟลเดอร์ที่ใช้กับ 'nitet backup โฟลเดอร์'")
    copies = []
    for path in dated_copies(folder):
        stamp = dated_copy(path.stem)["stamp"]
        taken = datetime.strptime(stamp, "%Y-%m-%dT%H%M").isoformat(timespec="minutes")
        activities = owner = None
        try:
            conn = open_read_only(path, immutable=True)
            try:
                activities = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
                row = conn.execute("SELECT name FROM supervisors WHERE is_self = 1").fetchone()
                owner = row[0] if row else None
            finally:
                conn.close()
        except sqlite3.Error:
            pass
        copies.append(BackupCopy(path.name, str(path), taken, path.stat().st_size, activities, owner))
    return copies


#: SQLite errors that mean the copy could not be written (not that the database is damaged).
_WRITE_FAILURES = (
    "SQLITE_FULL",
    "SQLITE_IOERR_WRITE",
    "SQLITE_IOERR_FSYNC",
    "SQLITE_IOERR_TRUNCATE",
    "SQLITE_CANTOPEN",
)


def _snapshot(conn: sqlite3.Connection, tmp: Path, target: Path, result: BackupResult) -> list[str]:
    """The database copied into ``tmp`` (checked); returns the SHA-256 of every evidence file it points to."""
    from nitet_cli.files import SIDE_SUFFIXES, remove_quietly

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
            for suffix in SIDE_SUFFIXES:
                remove_quietly(Path(f"{tmp}{suffix}"))
    except sqlite3.Error as exc:
        name = getattr(exc, "sqlite_errorname", "") or ""
        if name == "SQLITE_FULL":
            raise OutputError(
                f"เขียนไฟล์สำรอง {target} ไม่ได้ (พื้นที่ดิสก์เต็ม) — ลบไฟล์ที่ไม่ใช้แล้วให้มีที่ว่าง หรือสำรองไปที่ดิสก์อื่น;"
                " ไฟล์สำรองเดิม (ถ้ามี) ยังอยู่ครบ"
            ) from exc
        if name in _WRITE_FAILURES or name.startswith("SQLITE_READONLY"):
            raise OutputError(
                f"เขียนไฟล์สำรอง {target} ไม่ได้ ({exc}) — ตรวจพื้นที่ว่างและสิทธิ์ของโฟลเดอร์ หรือสำรองไปที่ดิสก์อื่น;"
                " ไฟล์สำรองเดิม (ถ้ามี) ยังอยู่ครบ"
            ) from exc
        raise DatabaseError(f"สำรองฐานข้อมูลไม่สำเร็จ ({exc}) — ตรวจต้นฉบับด้วย 'nitet doctor' แล้วลองใหม่") from exc
    return shas


def _copy_evidence(db_path: Path, target: Path, shas: list[str], result: BackupResult) -> None:
    """Every evidence file the copy points to, into the copy's store (each atomically, before the copy itself)."""
    import shutil

    from nitet_cli.evidence_store import sha256_of, stored_path
    from nitet_cli.files import atomic_output, fsync_dir, write_error
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
        dest = stored_path(target, sha, source.name)  # the copy keeps the name the file has (with its extension)
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
        made = not dest.parent.is_dir()
        try:
            dest.parent.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise write_error(dest.parent, exc, existed=False) from exc
        try:
            left = f"ไฟล์สำรองเดิม {target} (ถ้ามี) ยังอยู่ครบ"
            with atomic_output(dest, left=left, prefix=BACKUP_TEMP_PREFIX) as tmp:
                shutil.copyfile(source, tmp)
                copied_sha = sha256_of(tmp)
        except BaseException:
            if made:
                with contextlib.suppress(OSError):
                    dest.parent.rmdir()
            raise
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
    fsync_dir(root)
