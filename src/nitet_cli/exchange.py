"""Export, import and the shared machinery of merge: moving records between nitet databases.

The exchange shape (JSON, ``{"format": "nitet-export", "version": 2, …}``)::

    {
      "format": "nitet-export", "version": 2,
      "exported_at": "2026-11-24T09:00:00+00:00", "generator": "nitet 0.1.0",
      "owner": the database owner's supervisor uuid, or null (a group database without one),
      "supervisors": [{"uuid", "name", "position", "academic_standing", "work_unit", "work_group",
                       "office", "agency", "ministry", "endorser_name", "endorser_position",
                       "updated_at"}],
      "schools":     [{"code", "name", "group", "district", "updated_at"}],
      "activities":  [{"uuid", "supervisor" (a supervisor's uuid or null), "date" (ISO, Gregorian),
                       "kind", "mode", "title", "findings", "suggestions", "participants",
                       "teachers" (int or null), "standards": ["7.3", …] (at least one),
                       "schools": ["57010001", …],
                       "evidence": [{"uuid", "kind": "file"|"link", "sha256", "original_name",
                                     "media_type", "size", "url", "caption", "created_at"}],
                       "created_at", "updated_at"}],
      "deletions":   [{"uuid", "kind": "activity"|"evidence", "deleted_at",
                       "deleted_by" (a supervisor's uuid or null),
                       "activity" (for evidence: its entry's uuid, else null)}],
      "follow_ups":  [{"uuid", "activity" (its visit's uuid, an entry of this file),
                       "school" (a code among that entry's schools), "text",
                       "given_on" (ISO), "check_by" (ISO or null: at the next visit),
                       "status": "open"|"done"|"partly"|"not_done", "result",
                       "closed_on" (ISO, null exactly when open), "created_at", "updated_at"}],
      "terms":       [{"year" (BE), "term" (1|2), "start", "end" (ISO dates)}]
    }

Version 2 added ``deletions`` (the record of migration m008): a reader of version 1 would
have ignored them and kept deleted work, so the version went up; it also carries
``follow_ups`` (migration m010, ข้อเสนอแนะที่ต้องติดตาม). Version-1 files (no deletions, no
follow-ups) still import. Fields added later within a version are optional and ignored by
older readers; a change that older readers would misread bumps the version. Added within
version 2: ``owner`` and the supervisors' ``endorser_*`` (for ``import --as-owner``: moving to
a new computer) and ``terms`` (the term dates announced with ``nitet term set``); a file
without them still imports.

Terms are matched by year and term: a term the target has not set is added, one it set with
other dates (or one that would overlap another of its terms) is kept as the target has it and
the disagreement reported (terms carry no edit time to say which is newer).

``apply_sources`` brings one or more sources (an export file, another database) into
a target database: supervisors by UUID, schools by code, activities and evidence by
UUID, so applying the same source twice adds nothing. When a source and the target
disagree about the same UUID (or school code) the disagreement is reported and the
entry with the later ``updated_at`` is kept. A deletion at least as new as a copy
removes it (and is recorded in the target, so that it travels on); a copy edited after
the deletion is kept and the disagreement reported. Never: the database owner's own
profile changed (``is_self``; the one exception is ``import --as-owner`` into a fresh
database, ``take_owner``), two people under one supervisor UUID, a piece of evidence
moved to another entry — those are refused (``check_conflicts``). Everything is checked
first (shape, standards, schools, identities, evidence files and their SHA-256), files are
copied into the store, then the database is written in one transaction by the caller.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
import tempfile
import uuid as uuid_module
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nitet_cli.errors import DatabaseError, InputError, NotFoundError, OutputError
from nitet_cli.text import clean_text, decode_utf8

if TYPE_CHECKING:
    from nitet_cli.evidence_store import Staging

FORMAT = "nitet-export"
VERSION = 2
#: The largest JSON an import reads (a .json file, or a .zip's export.json once unpacked):
#: over 100,000 entries of about 2 KB each; a bigger one is refused before it is read.
MAX_EXPORT_JSON = 256 * 1024 * 1024
#: The largest integer SQLite stores.
SQLITE_MAX_INT = 2**63 - 1
ZIP_JSON = "export.json"
ZIP_EVIDENCE = "evidence/"


PROFILE_FIELDS = ("name", "position", "academic_standing", "work_unit", "work_group", "office", "agency", "ministry")
ENDORSER_FIELDS = ("endorser_name", "endorser_position")  # m012; optional in a file
ACTIVITY_FIELDS = ("date", "kind", "mode", "title", "findings", "suggestions", "participants", "teachers")
EVIDENCE_FIELDS = ("kind", "sha256", "original_name", "media_type", "size", "url", "caption")
DELETION_FIELDS = ("uuid", "kind", "deleted_at", "deleted_by", "activity")
FOLLOW_UP_FIELDS = ("school", "text", "given_on", "check_by", "status", "result", "closed_on")
FOLLOW_UP_STATUSES = ("open", "done", "partly", "not_done")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20

#: on_progress(description, done, total)
Progress = Callable[[str, int, int], None]


def _now() -> str:
    from nitet_cli.clock import now_iso

    return now_iso()


# --- reading a database into the exchange shape --------------------------------------------


def collect(
    conn: sqlite3.Connection,
    *,
    school: str | None = None,
    standard: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> dict:
    """Everything in ``conn`` (or the activities of one school / one standard / dated ``since``
    to ``until``, both included) in the exchange shape."""
    from nitet_cli import __version__

    where, params = [], []
    if since:
        where.append("a.date >= ?")
        params.append(since.isoformat())
    if until:
        where.append("a.date <= ?")
        params.append(until.isoformat())
    if school:
        where.append("a.id IN (SELECT activity_id FROM activity_schools WHERE school_code = ?)")
        params.append(school)
    if standard:
        where.append("a.id IN (SELECT activity_id FROM activity_standards WHERE standard_id = ?)")
        params.append(standard)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    self_row = conn.execute("SELECT uuid FROM supervisors WHERE is_self = 1").fetchone()
    self_uuid = self_row[0] if self_row else None
    rows = conn.execute(
        f"SELECT a.*, s.uuid AS supervisor_uuid FROM activities a LEFT JOIN supervisors s ON s.id = a.supervisor_id"
        f" {clause} ORDER BY a.date, a.id",
        params,
    ).fetchall()
    ids = {r["id"] for r in rows}
    standards: dict[int, list[str]] = {}
    for r in conn.execute("SELECT activity_id, standard_id FROM activity_standards ORDER BY activity_id, standard_id"):
        if r[0] in ids:
            standards.setdefault(r[0], []).append(r[1])
    schools_of: dict[int, list[str]] = {}
    for r in conn.execute("SELECT activity_id, school_code FROM activity_schools ORDER BY activity_id, school_code"):
        if r[0] in ids:
            schools_of.setdefault(r[0], []).append(r[1])
    evidence: dict[int, list[dict]] = {}
    for r in conn.execute("SELECT * FROM evidence ORDER BY activity_id, id"):
        if r["activity_id"] in ids:
            evidence.setdefault(r["activity_id"], []).append(
                {"uuid": r["uuid"], **{k: r[k] for k in EVIDENCE_FIELDS}, "created_at": r["created_at"]}
            )
    activities = []
    for r in rows:
        activities.append(
            {
                "uuid": r["uuid"],
                "supervisor": r["supervisor_uuid"] or self_uuid,
                **{k: r[k] for k in ACTIVITY_FIELDS},
                "standards": standards.get(r["id"], []),
                "schools": schools_of.get(r["id"], []),
                "evidence": evidence.get(r["id"], []),
                "created_at": r["created_at"],
                "updated_at": r["updated_at"],
            }
        )
    used_supervisors = {a["supervisor"] for a in activities}
    supervisors = [
        {
            "uuid": r["uuid"],
            **{k: r[k] for k in PROFILE_FIELDS},
            **{k: r[k] for k in ENDORSER_FIELDS if k in r.keys()},  # a source older than m012 has none
            "updated_at": r["updated_at"],
        }
        for r in conn.execute("SELECT * FROM supervisors ORDER BY is_self DESC, id")
        if not clause or r["uuid"] in used_supervisors
    ]
    terms = [
        {"year": r[0], "term": r[1], "start": r[2], "end": r[3]}
        for r in conn.execute("SELECT year, term, start_date, end_date FROM terms ORDER BY year, term")
    ]
    has_deletions = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deletions'").fetchone()
    deletions = (
        [dict(r) for r in conn.execute(f"SELECT {', '.join(DELETION_FIELDS)} FROM deletions ORDER BY deleted_at, uuid")]
        if has_deletions  # a source database older than m008, opened read-only, has none
        else []
    )
    follow_ups = _collect_follow_ups(conn, {r["id"]: r["uuid"] for r in rows})
    used_schools = {code for a in activities for code in a["schools"]}
    schools = [
        {
            "code": r["code"],
            "name": r["name"],
            "group": r["school_group"],
            "district": r["district"],
            "updated_at": r["updated_at"],
        }
        for r in conn.execute("SELECT * FROM schools ORDER BY code")
        if not clause or r["code"] in used_schools
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _now(),
        "generator": f"nitet {__version__}",
        "owner": self_uuid,
        "supervisors": supervisors,
        "schools": schools,
        "activities": activities,
        "deletions": deletions,
        "follow_ups": follow_ups,
        "terms": terms,
    }


def _collect_follow_ups(conn: sqlite3.Connection, activity_uuids: dict[int, str]) -> list[dict]:
    """The follow-ups of the collected entries (``activity_uuids``: id -> uuid); none from a source
    database older than m010 (opened read-only, not upgraded)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'follow_ups'").fetchone() is None:
        return []
    return [
        {
            "uuid": r["uuid"],
            "activity": activity_uuids[r["activity_id"]],
            "school": r["school_code"],
            **{k: r[k] for k in FOLLOW_UP_FIELDS[1:]},
            "created_at": r["created_at"],
            "updated_at": r["updated_at"],
        }
        for r in conn.execute("SELECT * FROM follow_ups ORDER BY given_on, id")
        if r["activity_id"] in activity_uuids
    ]


def collect_manual(conn: sqlite3.Connection) -> dict | None:
    """The manual rows of ``conn`` as they are stored (retired ones included), or None when it has none."""
    standards = [dict(r) for r in conn.execute("SELECT * FROM standards ORDER BY position, duty_number, step")]
    if not standards:
        return None
    return {
        "meta": [dict(r) for r in conn.execute("SELECT key, value FROM manual_meta ORDER BY key")],
        "duties": [dict(r) for r in conn.execute("SELECT * FROM duties ORDER BY position, number")],
        "standards": standards,
    }


# --- writing files ---------------------------------------------------------------------------


def export_bytes(data: dict, fmt: str, what: str = "activities", conn: sqlite3.Connection | None = None) -> bytes:
    """The export as bytes: JSON (UTF-8); CSV as UTF-8 with a BOM so that Excel shows Thai; an .xlsx
    workbook. CSV and .xlsx (:mod:`nitet_cli.spreadsheet`) need ``conn`` for the entries' IDs and terms."""
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt not in ("csv", "xlsx") or conn is None:
        raise InputError(f"รูปแบบ '{fmt}' ไม่มี — เลือก json, csv หรือ xlsx")
    from nitet_cli import spreadsheet

    if fmt == "xlsx":
        return spreadsheet.workbook_bytes(spreadsheet.activity_rows(conn, data), spreadsheet.school_rows(data))
    if what == "schools":
        text = spreadsheet.csv_text(spreadsheet.SCHOOL_COLUMNS, spreadsheet.school_rows(data))
    else:
        text = spreadsheet.csv_text(spreadsheet.ACTIVITY_COLUMNS, spreadsheet.activity_rows(conn, data))
    return text.encode("utf-8-sig")


def write_export(payload: bytes, db_path: Path, out: Path) -> Path:
    from nitet_cli.files import atomic_write

    return atomic_write(Path(out), lambda tmp: tmp.write_bytes(payload), db=db_path)


def write_archive(data: dict, db_path: Path, out: Path, on_progress: Progress | None = None) -> tuple[Path, int]:
    """A .zip holding ``export.json`` and every evidence file (``evidence/<sha256>``); returns (path, files)."""
    from nitet_cli.evidence_store import sha256_of, stored_path
    from nitet_cli.files import atomic_write

    names = {e["sha256"]: e["original_name"] for a in data["activities"] for e in a["evidence"] if e["kind"] == "file"}
    shas = sorted(names)
    for sha in shas:
        path = stored_path(db_path, sha, names[sha])
        if not path.is_file():
            raise NotFoundError(
                f"ไฟล์หลักฐาน {sha[:12]}… หายไปจากที่เก็บ ({path}) — ตรวจด้วย 'nitet doctor' แล้วคัดลอกกลับจากไฟล์สำรองก่อนส่งออก"
            )

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr(ZIP_JSON, export_bytes(data, "json"), compress_type=zipfile.ZIP_DEFLATED)
            for done, sha in enumerate(shas, 1):
                source = stored_path(db_path, sha, names[sha])
                if sha256_of(source) != sha:
                    raise DatabaseError(
                        f"ไฟล์หลักฐาน {source} ไม่ตรงกับ SHA-256 ที่บันทึกไว้ (ถูกแก้ไขหลังบันทึก) — ตรวจด้วย 'nitet doctor'"
                    )
                archive.write(source, ZIP_EVIDENCE + sha, compress_type=zipfile.ZIP_STORED)
                if on_progress:
                    on_progress("ส่งออกไฟล์หลักฐาน", done, len(shas))

    return atomic_write(Path(out), write, db=db_path), len(shas)


# --- checking the shape of an export file --------------------------------------------------


def _fail(where: str, what: str) -> InputError:
    return InputError(f"ไฟล์ส่งออกผิดรูปแบบที่ {where}: {what}")


def _obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, f"ต้องเป็นออบเจกต์ {{…}} ไม่ใช่ {_kind(value)}")
    return value


def _kind(value: Any) -> str:
    return {dict: "ออบเจกต์", list: "รายการ", str: "ข้อความ", bool: "true/false", int: "ตัวเลข", float: "ตัวเลข"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _list(parent: dict, key: str, where: str) -> list:
    value = parent.get(key, [])
    if not isinstance(value, list):
        raise _fail(f"{where}{key}", f"ต้องเป็นรายการ […] ไม่ใช่ {_kind(value)}")
    return value


def _str(parent: dict, key: str, where: str, *, required: bool = False, multiline: bool = True) -> str:
    value = parent.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", f"ต้องเป็นข้อความ ไม่ใช่ {_kind(value)}" if key in parent else "ไม่มีค่านี้ (ต้องมี)")
    value = clean_text(value, multiline=multiline) or ""
    if required and not value:
        raise _fail(f"{where}.{key}", "ว่าง — ต้องเป็นข้อความที่ไม่ว่าง")
    return value


def _uuid(parent: dict, key: str, where: str) -> str:
    value = _str(parent, key, where, required=True, multiline=False)
    try:
        return str(uuid_module.UUID(value))
    except ValueError:
        raise _fail(f"{where}.{key}", f"'{value}' ไม่ใช่ UUID เช่น 3f2b8c9e-1d2a-4b7c-9e0f-123456789abc") from None


def _timestamp(parent: dict, key: str, where: str, default: str) -> str:
    if parent.get(key) is None:
        return default
    value = _str(parent, key, where, required=True, multiline=False)
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"{where}.{key}", f"'{value}' ไม่ใช่วันเวลาแบบ ISO เช่น 2026-11-24T09:00:00+00:00") from None
    return value


def _int(parent: dict, key: str, where: str) -> int | None:
    value = parent.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SQLITE_MAX_INT:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        raise _fail(f"{where}.{key}", f"ต้องเป็นจำนวนเต็มตั้งแต่ 0 ถึง {SQLITE_MAX_INT} หรือ null ไม่ใช่ {shown}")
    return value


def _date(parent: dict, key: str, where: str) -> str:
    """An ISO date in the years every nitet command accepts (dates.FIRST_YEAR_CE–LAST_YEAR_CE)."""
    from nitet_cli.dates import FIRST_YEAR_CE, LAST_YEAR_CE

    day = _str(parent, key, where, required=True, multiline=False)
    try:
        value = date.fromisoformat(day)
    except ValueError:
        raise _fail(f"{where}.{key}", f"'{day}' ไม่ใช่วันที่แบบ ISO (ค.ศ.) เช่น 2026-11-24") from None
    if not FIRST_YEAR_CE <= value.year <= LAST_YEAR_CE:
        raise _fail(
            f"{where}.{key}",
            f"'{day}' อยู่นอกช่วงปี ค.ศ. {FIRST_YEAR_CE}–{LAST_YEAR_CE} ที่ nitet รับ (พ.ศ. {FIRST_YEAR_CE + 543}–{LAST_YEAR_CE + 543})"
            " — ตรวจปีของวันที่ในไฟล์ต้นทาง",
        )
    return value.isoformat()


def check_export(data: Any) -> dict:
    """Check an export's shape; returns a cleaned copy. The error names the first wrong field, e.g. ``activities[3].date``."""
    from nitet_cli.activities import KINDS, MODES
    from nitet_cli.terms import check_term_dates

    top = _obj(data, "ระดับบนสุด")
    if top.get("format") != FORMAT:
        raise _fail(
            "format", f"ต้องเป็น \"{FORMAT}\" ไม่ใช่ {top.get('format')!r} — ไฟล์นี้ไม่ได้มาจาก 'nitet export --format json'"
        )
    version = top.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _fail("version", f"ต้องเป็นตัวเลข เช่น {VERSION} ไม่ใช่ {version!r}")
    if version > VERSION:
        raise InputError(
            f"ไฟล์ส่งออกรุ่น {version} มาจาก nitet ที่ใหม่กว่า (โปรแกรมนี้อ่านได้ถึงรุ่น {VERSION}) — ปรับรุ่น nitet ก่อนนำเข้า"
        )
    if version < 1:
        raise _fail("version", f"ต้องเป็น 1 ถึง {VERSION} ไม่ใช่ {version}")
    stamp = _timestamp(top, "exported_at", "exported_at", _now())

    supervisors, seen = [], set()
    for i, raw in enumerate(_list(top, "supervisors", "")):
        where = f"supervisors[{i}]"
        item = _obj(raw, where)
        s = {"uuid": _uuid(item, "uuid", where)}
        if s["uuid"] in seen:
            raise _fail(f"{where}.uuid", f"{s['uuid']} ซ้ำกับรายการก่อนหน้า")
        seen.add(s["uuid"])
        # Profile texts are kept as the manual loader keeps them (newlines allowed).
        s["name"] = _str(item, "name", where, required=True)
        for key in (*PROFILE_FIELDS[1:], *ENDORSER_FIELDS):
            s[key] = _str(item, key, where)
        s["updated_at"] = _timestamp(item, "updated_at", where, stamp)
        supervisors.append(s)
    owner = None if top.get("owner") is None else _uuid(top, "owner", "")
    if owner is not None and owner not in seen:
        raise _fail("owner", f"{owner} ไม่อยู่ในรายการ supervisors ของไฟล์")

    schools, codes = [], set()
    for i, raw in enumerate(_list(top, "schools", "")):
        where = f"schools[{i}]"
        item = _obj(raw, where)
        code = _str(item, "code", where, required=True, multiline=False)
        if not code.isalnum():
            raise _fail(f"{where}.code", f"รหัสโรงเรียน '{code}' ต้องเป็นตัวเลข/ตัวอักษรล้วน เช่น 57010001")
        if code in codes:
            raise _fail(f"{where}.code", f"รหัส {code} ซ้ำกับรายการก่อนหน้า")
        codes.add(code)
        schools.append(
            {
                "code": code,
                "name": _str(item, "name", where, required=True, multiline=False),
                "group": _str(item, "group", where, multiline=False),
                "district": _str(item, "district", where, multiline=False),
                "updated_at": _timestamp(item, "updated_at", where, stamp),
            }
        )

    activities, activity_uuids, evidence_uuids = [], set(), set()
    for i, raw in enumerate(_list(top, "activities", "")):
        where = f"activities[{i}]"
        item = _obj(raw, where)
        a: dict[str, Any] = {"uuid": _uuid(item, "uuid", where)}
        if a["uuid"] in activity_uuids:
            raise _fail(f"{where}.uuid", f"{a['uuid']} ซ้ำกับกิจกรรมก่อนหน้า")
        activity_uuids.add(a["uuid"])
        if item.get("supervisor") is None:
            a["supervisor"] = None
        else:
            a["supervisor"] = _uuid(item, "supervisor", where)
            if a["supervisor"] not in seen:
                raise _fail(f"{where}.supervisor", f"{a['supervisor']} ไม่อยู่ในรายการ supervisors ของไฟล์")
        a["date"] = _date(item, "date", where)
        a["kind"] = _str(item, "kind", where, multiline=False) or "visit"
        if a["kind"] not in KINDS:
            raise _fail(f"{where}.kind", f"'{a['kind']}' ไม่มี — ใช้ได้: {', '.join(KINDS)}")
        a["mode"] = _str(item, "mode", where, multiline=False) or "onsite"
        if a["mode"] not in MODES:
            raise _fail(f"{where}.mode", f"'{a['mode']}' ไม่มี — ใช้ได้: {', '.join(MODES)}")
        a["title"] = _str(item, "title", where, required=True, multiline=False)
        for key in ("findings", "suggestions", "participants"):
            a[key] = _str(item, key, where)
        a["teachers"] = _int(item, "teachers", where)
        standards = _list(item, "standards", where + ".")
        a["standards"] = []
        for j, sid in enumerate(standards):
            if not isinstance(sid, str) or not sid.strip():
                raise _fail(f"{where}.standards[{j}]", f'ต้องเป็นรหัสมาตรฐาน เช่น "7.3" ไม่ใช่ {sid!r}')
            if sid.strip() not in a["standards"]:
                a["standards"].append(sid.strip())
        if not a["standards"]:  # as 'nitet log' refuses an entry without a standard
            raise _fail(f"{where}.standards", 'ว่าง — กิจกรรมต้องมีมาตรฐานอย่างน้อย ๑ รายการ เช่น ["7.3"]')
        a["schools"] = []
        for j, code in enumerate(_list(item, "schools", where + ".")):
            if not isinstance(code, str) or not code.strip():
                raise _fail(f"{where}.schools[{j}]", f'ต้องเป็นรหัสโรงเรียน เช่น "57010001" ไม่ใช่ {code!r}')
            if code.strip() not in a["schools"]:
                a["schools"].append(code.strip())
        a["evidence"] = []
        for j, raw_e in enumerate(_list(item, "evidence", where + ".")):
            ew = f"{where}.evidence[{j}]"
            e_item = _obj(raw_e, ew)
            e = {"uuid": _uuid(e_item, "uuid", ew)}
            if e["uuid"] in evidence_uuids:
                raise _fail(f"{ew}.uuid", f"{e['uuid']} ซ้ำกับหลักฐานก่อนหน้า")
            evidence_uuids.add(e["uuid"])
            e["kind"] = _str(e_item, "kind", ew, required=True, multiline=False)
            e.update({"sha256": None, "original_name": None, "media_type": None, "size": None, "url": None})
            if e["kind"] == "file":
                sha = _str(e_item, "sha256", ew, required=True, multiline=False).lower()
                if not SHA_RE.match(sha):
                    raise _fail(f"{ew}.sha256", "ต้องเป็น SHA-256 ฐานสิบหก ๖๔ ตัว")
                e["sha256"] = sha
                e["original_name"] = _str(e_item, "original_name", ew, multiline=False) or None
                e["media_type"] = _str(e_item, "media_type", ew, multiline=False) or None
                e["size"] = _int(e_item, "size", ew)
            elif e["kind"] == "link":
                url = _str(e_item, "url", ew, required=True, multiline=False)
                if not re.match(r"^https?://[^\s/]+", url):
                    raise _fail(f"{ew}.url", f"'{url}' ไม่ใช่ลิงก์ http(s)://…")
                e["url"] = url
            else:
                raise _fail(f"{ew}.kind", f'ต้องเป็น "file" หรือ "link" ไม่ใช่ {e["kind"]!r}')
            e["caption"] = _str(e_item, "caption", ew, multiline=False)
            e["created_at"] = _timestamp(e_item, "created_at", ew, stamp)
            a["evidence"].append(e)
        a["created_at"] = _timestamp(item, "created_at", where, stamp)
        a["updated_at"] = _timestamp(item, "updated_at", where, a["created_at"])
        activities.append(a)

    deletions, deleted = [], set()
    for i, raw in enumerate(_list(top, "deletions", "") if version >= 2 else []):
        where = f"deletions[{i}]"
        item = _obj(raw, where)
        d: dict[str, Any] = {"uuid": _uuid(item, "uuid", where)}
        if d["uuid"] in deleted:
            raise _fail(f"{where}.uuid", f"{d['uuid']} ซ้ำกับรายการลบก่อนหน้า")
        deleted.add(d["uuid"])
        if d["uuid"] in activity_uuids or d["uuid"] in evidence_uuids:
            raise _fail(f"{where}.uuid", f"{d['uuid']} ทั้งถูกลบและยังอยู่ในไฟล์เดียวกัน — ส่งออกใหม่จากต้นทาง")
        d["kind"] = _str(item, "kind", where, required=True, multiline=False)
        if d["kind"] not in ("activity", "evidence"):
            raise _fail(f"{where}.kind", f'ต้องเป็น "activity" หรือ "evidence" ไม่ใช่ {d["kind"]!r}')
        if item.get("deleted_at") is None:
            raise _fail(f"{where}.deleted_at", "ไม่มีค่านี้ (ต้องมี) — วันเวลาที่ลบแบบ ISO เช่น 2026-11-24T09:00:00+00:00")
        d["deleted_at"] = _timestamp(item, "deleted_at", where, stamp)
        d["deleted_by"] = None if item.get("deleted_by") is None else _uuid(item, "deleted_by", where)
        if d["kind"] == "evidence":
            d["activity"] = _uuid(item, "activity", where)
        else:
            d["activity"] = None
        deletions.append(d)
    schools_of = {a["uuid"]: a["schools"] for a in activities}
    follow_ups, follow_up_uuids = [], set()
    for i, raw in enumerate(_list(top, "follow_ups", "") if version >= 2 else []):
        f = _check_follow_up(raw, f"follow_ups[{i}]", schools_of, stamp)
        if f["uuid"] in follow_up_uuids:
            raise _fail(f"follow_ups[{i}].uuid", f"{f['uuid']} ซ้ำกับข้อเสนอแนะก่อนหน้า")
        follow_up_uuids.add(f["uuid"])
        follow_ups.append(f)

    terms, seen_terms = [], set()
    for i, raw in enumerate(_list(top, "terms", "")):
        where = f"terms[{i}]"
        item = _obj(raw, where)
        year, number = _int(item, "year", where), _int(item, "term", where)
        if number not in (1, 2):
            raise _fail(f"{where}.term", f"ต้องเป็น 1 หรือ 2 ไม่ใช่ {item.get('term')!r}")
        if year is None or not 2400 < year < 2700:
            raise _fail(f"{where}.year", f"ต้องเป็นปีการศึกษา พ.ศ. เช่น 2569 ไม่ใช่ {item.get('year')!r}")
        if (year, number) in seen_terms:
            raise _fail(where, f"ภาคเรียน {number}/{year} ซ้ำกับรายการก่อนหน้า")
        seen_terms.add((year, number))
        t = {"year": year, "term": number, "start": _date(item, "start", where), "end": _date(item, "end", where)}
        try:
            check_term_dates(year, number, date.fromisoformat(t["start"]), date.fromisoformat(t["end"]))
        except InputError as exc:
            raise _fail(where, exc.message) from None
        terms.append(t)
    return {
        "format": FORMAT,
        "version": VERSION,
        "owner": owner,
        "owner_stated": "owner" in top,
        "supervisors": supervisors,
        "schools": schools,
        "activities": activities,
        "deletions": deletions,
        "follow_ups": follow_ups,
        "terms": terms,
    }


def _check_follow_up(raw: Any, where: str, schools_of: dict[str, list[str]], stamp: str) -> dict:
    """One follow-up of an export: of an entry in the file and one of that entry's schools, its
    dates in order, closed (with a closing date) unless open."""
    item = _obj(raw, where)
    f: dict[str, Any] = {"uuid": _uuid(item, "uuid", where), "activity": _uuid(item, "activity", where)}
    if f["activity"] not in schools_of:
        raise _fail(f"{where}.activity", f"{f['activity']} ไม่อยู่ในรายการ activities ของไฟล์")
    f["school"] = _str(item, "school", where, required=True, multiline=False)
    if f["school"] not in schools_of[f["activity"]]:
        raise _fail(f"{where}.school", f"โรงเรียน {f['school']} ไม่ใช่โรงเรียนของกิจกรรม {f['activity']}")
    f["text"] = _str(item, "text", where, required=True)
    f["given_on"] = _date(item, "given_on", where)
    f["check_by"] = None if item.get("check_by") is None else _date(item, "check_by", where)
    if f["check_by"] is not None and f["check_by"] < f["given_on"]:
        raise _fail(f"{where}.check_by", f"'{f['check_by']}' อยู่ก่อน given_on '{f['given_on']}'")
    f["status"] = _str(item, "status", where, multiline=False) or "open"
    if f["status"] not in FOLLOW_UP_STATUSES:
        raise _fail(f"{where}.status", f"ต้องเป็น {', '.join(FOLLOW_UP_STATUSES)} ไม่ใช่ {f['status']!r}")
    f["result"] = _str(item, "result", where)
    f["closed_on"] = None if item.get("closed_on") is None else _date(item, "closed_on", where)
    if (f["status"] == "open") != (f["closed_on"] is None):
        what = "ต้องเป็น null เมื่อ status เป็น open" if f["status"] == "open" else "ต้องมีเมื่อปิดแล้ว (status ไม่ใช่ open)"
        raise _fail(f"{where}.closed_on", what)
    if f["closed_on"] is not None and f["closed_on"] < f["given_on"]:
        raise _fail(f"{where}.closed_on", f"'{f['closed_on']}' อยู่ก่อน given_on '{f['given_on']}'")
    f["created_at"] = _timestamp(item, "created_at", where, stamp)
    f["updated_at"] = _timestamp(item, "updated_at", where, f["created_at"])
    return f


# --- reading an export file -----------------------------------------------------------------


@dataclass
class Source:
    """One thing to bring into the target: its data in the exchange shape and where its evidence files are."""

    label: str
    data: dict
    files: Callable[[str], Path | None]  # sha256 -> a readable file with those bytes, or None
    manual: dict | None = None


class Scratch:
    """A private folder for the evidence files unpacked from an import's .zip (or a merge's copy of
    a source it cannot read in place), made on first use INSIDE the target's evidence store
    (``<store>/.incoming-import-…``, owner only), never in the system's temporary folder: a
    command killed half way leaves them where ``nitet doctor`` finds and names them, and the
    store's permissions keep them private. Removed when the command ends."""

    def __init__(self, db_path: Path, prefix: str = ".incoming-import-"):
        self.db_path = Path(db_path)
        self.prefix = prefix
        self._path: Path | None = None
        self._made_store = False

    def __call__(self) -> Path:
        from nitet_cli.paths import evidence_dir

        if self._path is None:
            store = evidence_dir(self.db_path)
            try:
                if not store.exists():
                    store.mkdir(parents=True, mode=0o700, exist_ok=True)
                    self._made_store = True
                self._path = Path(tempfile.mkdtemp(prefix=self.prefix, dir=store))
            except OSError as exc:
                raise OutputError(
                    f"สร้างโฟลเดอร์ชั่วคราวใน {store} ไม่ได้ ({exc.strerror or exc}) — ตรวจสิทธิ์และพื้นที่ว่างของโฟลเดอร์ฐานข้อมูล"
                ) from exc
        return self._path

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            if self._made_store:
                with contextlib.suppress(OSError):
                    self._path.parent.rmdir()  # only when nothing else was stored in it
            self._path = None


def read_export(path: Path, workdir: Callable[[], Path]) -> Source:
    """An export file (.json, or the .zip of ``--with-evidence``), checked; zip members are extracted
    into ``workdir()`` only by the name the export gives them, each verified against its SHA-256 later."""
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"ไม่พบไฟล์ {path} — ระบุไฟล์ .json หรือ .zip ที่ได้จาก 'nitet export'")
    if path.is_dir():
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์ .json หรือ .zip ที่ได้จาก 'nitet export'")
    from nitet_cli.db import sqlite_head
    from nitet_cli.files import SQLITE_HEADER

    if sqlite_head(path) == SQLITE_HEADER:
        raise InputError(f"{path} เป็นไฟล์ฐานข้อมูล SQLite ไม่ใช่ไฟล์ส่งออก — รวมฐานข้อมูลด้วย 'nitet merge {path}'")
    if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
        raise InputError(
            f"{path} เป็นตาราง ไม่ใช่ไฟล์ส่งออกของ nitet — 'nitet import' อ่านไฟล์ .json หรือ .zip จาก 'nitet export';"
            " รายชื่อโรงเรียนจาก CSV นำเข้าด้วย 'nitet school import'"
        )
    if zipfile.is_zipfile(path):
        return _read_archive(path, workdir)
    if path.stat().st_size > MAX_EXPORT_JSON:
        raise _too_big(str(path), path.stat().st_size)
    with open(path, "rb") as handle:
        raw = handle.read(MAX_EXPORT_JSON + 1)  # a file that grows while being read is still bounded
    if len(raw) > MAX_EXPORT_JSON:
        raise _too_big(str(path), len(raw))
    return Source(label=str(path), data=_parse_json(raw, str(path)), files=lambda sha: None)


def _too_big(label: str, size: int | None) -> InputError:
    limit = MAX_EXPORT_JSON // (1024 * 1024)
    have = f" ({size / (1024 * 1024):,.0f} MB)" if size else ""
    return InputError(
        f"{label} ใหญ่เกิน{have} — nitet นำเข้า JSON ได้ไม่เกิน {limit} MB;"
        " ส่งออกเป็นส่วน ๆ ด้วย 'nitet export --school …' หรือรวมฐานข้อมูลด้วย 'nitet merge'"
    )


def _parse_json(raw: bytes, label: str) -> dict:
    text = decode_utf8(raw, label, "ระบุไฟล์ .json จาก 'nitet export'")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{label}: JSON ผิดรูปแบบที่บรรทัด {exc.lineno} คอลัมน์ {exc.colno} ({exc.msg}) — ระบุไฟล์ .json จาก 'nitet export'"
        ) from exc
    except RecursionError:
        raise InputError(
            f"{label}: JSON ซ้อนกันลึกเกินไป ไม่ใช่ไฟล์จาก 'nitet export' — ระบุไฟล์ .json จาก 'nitet export'"
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InputError(f"{label}: JSON มีค่าที่อ่านไม่ได้ ({exc}) — ระบุไฟล์ .json จาก 'nitet export'") from None
    return check_export(data)


def _read_archive(path: Path, workdir: Callable[[], Path]) -> Source:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path} เป็นไฟล์ zip ที่เสียหาย ({exc}) — ส่งออกใหม่ด้วย 'nitet export --with-evidence'") from exc
    with archive:
        names = set(archive.namelist())
        if ZIP_JSON not in names:
            raise InputError(f"{path} ไม่มี {ZIP_JSON} — ไฟล์ zip นี้ไม่ได้มาจาก 'nitet export --with-evidence'")
        member = archive.getinfo(ZIP_JSON)
        if member.file_size > MAX_EXPORT_JSON:  # refused from the size the zip declares, before unpacking
            raise _too_big(f"{path}:{ZIP_JSON}", member.file_size)
        try:
            with archive.open(member) as handle:
                raw = handle.read(MAX_EXPORT_JSON + 1)  # bounded even if the declared size lies
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:  # CRC error, truncated
            raise InputError(f"{path}: อ่าน {ZIP_JSON} ไม่ได้ ({exc}) — ไฟล์ zip เสียหาย ส่งออกใหม่") from exc
        if len(raw) > MAX_EXPORT_JSON:
            raise _too_big(f"{path}:{ZIP_JSON}", None)
        data = _parse_json(raw, f"{path}:{ZIP_JSON}")

    def files(sha: str) -> Path | None:
        """Extract one evidence file on demand (only those the target lacks), by the name the export gives it."""
        member = ZIP_EVIDENCE + sha
        if member not in names:
            return None
        target = workdir() / sha
        if not target.exists():
            try:
                with zipfile.ZipFile(path) as archive, archive.open(member) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst, CHUNK)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:  # CRC error, truncated
                target.unlink(missing_ok=True)
                raise InputError(f"{path}: อ่านไฟล์หลักฐาน {member} ไม่ได้ ({exc}) — ไฟล์ zip เสียหาย ส่งออกใหม่") from exc
        return target

    return Source(label=str(path), data=data, files=files)


# --- bringing sources into a target ----------------------------------------------------------


@dataclass
class Conflict:
    """A source and the target (or two sources) disagree about the same entry."""

    kind: str  # supervisor, school, activity, evidence, follow_up, term
    key: str  # uuid, a school code, or a term ("2/2569")
    label: str  # a name or title a person recognises
    source: str
    fields: list[str]
    kept: str  # "source" (the source's entry is newer), "target", or "owner" (the database owner's own profile)
    deleted_in: str | None = None  # a deletion that lost to a later edit: where it was deleted

    def message(self) -> str:
        thing = {
            "supervisor": "ศึกษานิเทศก์",
            "school": "โรงเรียน",
            "activity": "กิจกรรม",
            "evidence": "หลักฐาน",
            "follow_up": "ข้อเสนอแนะที่ต้องติดตาม",
            "term": "ภาคเรียน",
        }[self.kind]
        if self.kind == "term":
            return (
                f"{thing} {self.key} ใน {self.source} {self.label} — คงวันที่ในฐานข้อมูลนี้ไว้;"
                f" ถ้าวันที่ในไฟล์ถูก แก้ด้วย 'nitet term set {' '.join(reversed(self.key.split('/')))} --start … --end …'"
            )
        if self.deleted_in is not None and self.kept == "owner":
            return (
                f"{thing} '{self.label}' ({self.key}) ถูกลบใน {self.deleted_in} โดยผู้อื่น"
                " — คงไว้ (งานของเจ้าของฐานข้อมูลลบได้โดยเจ้าของเท่านั้น)"
            )
        if self.deleted_in is not None:
            edited = self.source if self.kept == "source" else "ฐานข้อมูลปลายทาง"
            return (
                f"{thing} '{self.label}' ({self.key}) ถูกลบใน {self.deleted_in} แต่ {edited} แก้ไขหลังการลบ"
                " — เก็บฉบับที่แก้ไขไว้ (แก้ไขล่าสุดกว่าการลบ); ถ้าตั้งใจลบ ให้ลบอีกครั้ง"
            )
        if self.kept == "owner":
            return (
                f"{thing} '{self.label}' ({self.key}) ใน {self.source} ไม่ตรงกันที่ {', '.join(self.fields)}"
                " — คงโปรไฟล์ของเจ้าของฐานข้อมูลไว้ (เจ้าของแก้เองด้วย 'nitet profile set' หรือ 'nitet manual load' เท่านั้น)"
            )
        kept = "ใช้ข้อมูลจาก " + self.source if self.kept == "source" else "คงข้อมูลเดิมในฐานข้อมูลปลายทาง"
        return f"{thing} '{self.label}' ({self.key}) ไม่ตรงกันที่ {', '.join(self.fields)} — {kept} (แก้ไขล่าสุดกว่า)"


@dataclass
class SupervisorCount:
    uuid: str
    name: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_target: int = 0
    deleted: int = 0  # entries removed by a deletion from a source
    total: int = 0  # activities of this supervisor in the target afterwards


@dataclass
class ApplyResult:
    sources: list[str] = field(default_factory=list)
    supervisors_added: int = 0
    supervisors_updated: int = 0
    schools_added: int = 0
    schools_updated: int = 0
    terms_added: int = 0  # announced term dates the target had not set
    owner_taken: str | None = None  # import --as-owner: the name of the export's owner, now this database's
    activities_added: int = 0
    activities_updated: int = 0
    activities_deleted: int = 0
    activities_unchanged: int = 0
    activities_stay_deleted: int = 0  # a source still had them, but they were deleted later
    evidence_added: int = 0
    evidence_deleted: int = 0
    follow_ups_added: int = 0
    follow_ups_updated: int = 0
    deletions_recorded: int = 0  # the target's record of deletions (m008) that travel on
    files_copied: int = 0
    files_removed: int = 0  # stored files no entry uses any more after applied deletions
    manual_copied: bool = False
    per_supervisor: dict[str, SupervisorCount] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    unused_files: set[str] = field(default_factory=set)  # sha256 to remove after the commit if unused

    @property
    def changed(self) -> bool:
        return any(
            (
                self.supervisors_added,
                self.supervisors_updated,
                self.schools_added,
                self.schools_updated,
                self.terms_added,
                self.owner_taken,
                self.activities_added,
                self.activities_updated,
                self.activities_deleted,
                self.evidence_added,
                self.evidence_deleted,
                self.follow_ups_added,
                self.follow_ups_updated,
                self.manual_copied,
            )
        )

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["unused_files"]
        data["per_supervisor"] = [asdict(c) for c in self.per_supervisor.values()]
        data["conflicts"] = [{**asdict(c), "message": c.message()} for c in self.conflicts]
        data["changed"] = self.changed
        return data


def _instant(value: str | None) -> datetime:
    from nitet_cli.deletions import instant

    return instant(value)


def _newer(incoming: str | None, existing: str | None) -> bool:
    """True when ``incoming`` was updated strictly later than ``existing`` (a tie keeps the target's)."""
    return _instant(incoming) > _instant(existing)


def plan_files(
    conn: sqlite3.Connection, db_path: Path, sources: list[Source], on_progress: Progress | None = None
) -> dict[str, Path]:
    """Check, before anything is written, that every evidence file the target lacks can be had from a
    source with the right SHA-256. Returns sha256 -> a verified file to copy into the store."""
    from nitet_cli.evidence_store import sha256_of, stored_path

    wanted: dict[str, tuple[Source, str, str]] = {}  # sha -> (source, file name, where)
    for source in sources:
        for i, a in enumerate(source.data["activities"]):
            for j, e in enumerate(a["evidence"]):
                sha = e["sha256"]
                if e["kind"] != "file" or sha in wanted or stored_path(db_path, sha, e["original_name"]).is_file():
                    continue
                wanted[sha] = (
                    source,
                    e["original_name"] or sha[:12],
                    f"กิจกรรม '{a['title']}' (activities[{i}].evidence[{j}])",
                )
    needed: dict[str, Path] = {}
    for done, (sha, (source, name, where)) in enumerate(wanted.items(), 1):
        path = source.files(sha)
        if path is None or not Path(path).is_file():
            hint = (
                "ส่งออกใหม่ด้วย 'nitet export --with-evidence' แล้วนำเข้าไฟล์ .zip"
                if source.manual is None
                else f"ตรวจ {source.label} ด้วย 'nitet --db {source.label} doctor' แล้วคัดลอกไฟล์กลับจากไฟล์สำรอง"
            )
            raise NotFoundError(f"{source.label}: ไม่มีไฟล์หลักฐาน '{name}' ของ{where} — {hint}")
        try:
            actual = sha256_of(Path(path))
        except OSError as exc:
            raise InputError(
                f"{source.label}: อ่านไฟล์หลักฐาน '{name}' ไม่ได้ ({exc.strerror}) — ตรวจสิทธิ์ของไฟล์ {path}"
            ) from exc
        if actual != sha:
            raise InputError(
                f"{source.label}: ไฟล์หลักฐาน '{name}' ไม่ตรงกับ SHA-256 ที่บันทึกไว้ (ไฟล์เสียหายหรือถูกแก้ไข) — ส่งออกหรือสำรองใหม่จากต้นทาง"
            )
        needed[sha] = Path(path)
        if on_progress:
            on_progress("ตรวจไฟล์หลักฐาน", done, len(wanted))
    return needed


def check_references(conn: sqlite3.Connection, sources: list[Source], extra_standards: Iterable[str] = ()) -> None:
    """Every standard an activity names must be in the target's manual; every school must be known."""
    known = {r[0] for r in conn.execute("SELECT id FROM standards")} | set(extra_standards)
    target_schools = {r[0] for r in conn.execute("SELECT code FROM schools")}
    if not known:
        raise NotFoundError("ฐานข้อมูลปลายทางยังไม่มีคู่มือปฏิบัติงาน — โหลดด้วย 'nitet init' ก่อนนำเข้า")
    for source in sources:
        codes = target_schools | {s["code"] for s in source.data["schools"]}
        for i, a in enumerate(source.data["activities"]):
            for j, sid in enumerate(a["standards"]):
                if sid not in known:
                    from nitet_cli.text import nearest

                    close = nearest(sid, sorted(known))
                    hint = f"ใกล้เคียง: {', '.join(close)}; " if close else ""
                    raise NotFoundError(
                        f"{source.label}: กิจกรรม '{a['title']}' (activities[{i}].standards[{j}]) ใช้มาตรฐาน '{sid}'"
                        f" ซึ่งไม่มีในคู่มือของฐานข้อมูลปลายทาง — {hint}โหลดคู่มือที่มีมาตรฐานนี้ด้วย 'nitet manual load' ก่อน"
                    )
            for j, code in enumerate(a["schools"]):
                if code not in codes:
                    raise NotFoundError(
                        f"{source.label}: กิจกรรม '{a['title']}' (activities[{i}].schools[{j}]) อ้างถึงโรงเรียนรหัส {code}"
                        " ซึ่งไม่มีทั้งในไฟล์และในฐานข้อมูลปลายทาง — เพิ่มโรงเรียนนี้ก่อนด้วย 'nitet school add'"
                    )


def check_conflicts(conn: sqlite3.Connection, sources: list[Source]) -> None:
    """Refuse, before anything is written, what an import or a merge must never do:

    - credit two people's work to one person: a source and the target (its owner or another
      supervisor), or two sources, name different people under one supervisor UUID — what a
      database started as a copy of a colleague's looks like;
    - move a piece of evidence to another entry: an evidence UUID that the target (or another
      source) already has under another entry.
    """
    claims: dict[str, tuple[str, str]] = {}  # supervisor uuid -> (name, who says so)
    for row in conn.execute("SELECT uuid, name, is_self FROM supervisors ORDER BY is_self DESC, id"):
        claims[row["uuid"]] = (row["name"], "เจ้าของฐานข้อมูลนี้" if row["is_self"] else "ฐานข้อมูลปลายทาง")
    for source in sources:
        for s in source.data["supervisors"]:
            known = claims.setdefault(s["uuid"], (s["name"], source.label))
            if known[0] != s["name"]:
                raise InputError(
                    f"{source.label} มีศึกษานิเทศก์ '{s['name']}' ที่ใช้ UUID {s['uuid']} เดียวกับ '{known[0]}' ของ{known[1]}"
                    " — สองคนใช้ตัวตนเดียวกัน (ฐานข้อมูลหนึ่งคัดลอกมาจากอีกฐานหนึ่ง) จึงไม่ได้นำเข้าอะไรเลย:"
                    " ให้ผู้ที่เริ่มจากสำเนารัน 'nitet profile new-identity' ในฐานข้อมูลของตนแล้วส่งออกใหม่"
                    " (ถ้าเป็นคนเดียวกันที่เปลี่ยนชื่อ ให้รวมลงฐานข้อมูลรวมไฟล์ใหม่)"
                )
    entry_of: dict[str, tuple[str, str]] = {}  # evidence uuid -> (its activity's uuid, which entry and where)
    for source in sources:
        for i, a in enumerate(source.data["activities"]):
            for j, e in enumerate(a["evidence"]):
                known = entry_of.get(e["uuid"])
                if known is None:
                    row = conn.execute(
                        "SELECT a.uuid, a.title FROM evidence e JOIN activities a ON a.id = e.activity_id WHERE e.uuid = ?",
                        (e["uuid"],),
                    ).fetchone()
                    known = (
                        (row[0], f"กิจกรรม '{row[1]}' ในฐานข้อมูลปลายทาง")
                        if row
                        else (a["uuid"], f"กิจกรรม '{a['title']}' ใน {source.label}")
                    )
                    entry_of[e["uuid"]] = known
                if known[0] != a["uuid"]:
                    raise InputError(
                        f"{source.label}: หลักฐาน {e['uuid']} ของกิจกรรม '{a['title']}' (activities[{i}].evidence[{j}])"
                        f" เป็นหลักฐานของ{known[1]} อยู่แล้ว — หลักฐานไม่ย้ายไปรายการอื่นผ่านการนำเข้าหรือการรวม"
                        " จึงไม่ได้นำเข้าอะไรเลย; ส่งออกใหม่จากต้นทาง หรือแนบไฟล์นั้นเป็นหลักฐานใหม่ด้วย 'nitet evidence add'"
                    )
    visit_of: dict[str, str] = {}  # follow-up uuid -> its visit's uuid
    for source in sources:
        for i, f in enumerate(source.data.get("follow_ups", [])):
            known = visit_of.get(f["uuid"])
            if known is None:
                row = conn.execute(
                    "SELECT a.uuid FROM follow_ups f JOIN activities a ON a.id = f.activity_id WHERE f.uuid = ?",
                    (f["uuid"],),
                ).fetchone()
                known = visit_of[f["uuid"]] = row[0] if row else f["activity"]
            if known != f["activity"]:
                raise InputError(
                    f"{source.label}: ข้อเสนอแนะที่ต้องติดตาม {f['uuid']} (follow_ups[{i}]) เป็นของการนิเทศ {known} อยู่แล้ว"
                    " — ข้อเสนอแนะไม่ย้ายไปการนิเทศอื่นผ่านการนำเข้าหรือการรวม จึงไม่ได้นำเข้าอะไรเลย; ส่งออกใหม่จากต้นทาง"
                )


def file_names(sources: list[Source]) -> dict[str, str]:
    """sha256 -> the original name of the first piece of evidence with that content (its stored name's extension)."""
    names: dict[str, str] = {}
    for source in sources:
        for a in source.data["activities"]:
            for e in a["evidence"]:
                if e["kind"] == "file":
                    names.setdefault(e["sha256"], e["original_name"] or "")
    return names


def store_files(
    staging: Staging, files: dict[str, Path], on_progress: Progress | None = None, names: dict[str, str] | None = None
) -> int:
    """Copy verified files into the target's store under temporary names, before the database
    transaction; ``staging.place()`` inside it gives them their stored names (``names``: sha256 ->
    the original name that gives the extension, :func:`file_names`)."""
    for done, (sha, path) in enumerate(sorted(files.items()), 1):
        stored = staging.add(path, (names or {}).get(sha))
        if stored.sha256 != sha:
            raise InputError(f"ไฟล์หลักฐาน {path} เปลี่ยนไประหว่างการคัดลอก — ลองใหม่")
        if on_progress:
            on_progress("คัดลอกไฟล์หลักฐาน", done, len(files))
    return len(files)


def place_files(staging: Staging, sources: list[Source], copied: dict[str, Path]) -> None:
    """Inside the write transaction: place the copies, and make sure every file the sources point to
    and the target already had (seen before the lock) is still there under the name of each row
    (``ab/<sha256>.<ext>``), copying it again if not — from the source, or from another name of
    the same content in the target."""
    from nitet_cli.evidence_store import find_stored

    staging.place()
    for source in sources:
        for a in source.data["activities"]:
            for e in a["evidence"]:
                sha = e["sha256"]
                if e["kind"] != "file":
                    continue
                path = source.files(sha) or find_stored(staging.db_path, sha)
                if path is not None:
                    staging.ensure(sha, Path(path), e["original_name"])
                else:
                    raise NotFoundError(
                        f"{source.label}: ไม่มีไฟล์หลักฐาน '{e['original_name'] or sha[:12]}' และไฟล์นั้นเพิ่งถูกลบจากที่เก็บปลายทาง — ลองใหม่"
                    )


@contextlib.contextmanager
def written_or_undone(conn: sqlite3.Connection, db_path: Path) -> Iterator[None]:
    """Around the transaction: turn a database error into one sentence (the Staging around it takes
    the files it placed away again, under the write lock, when no committed row uses them)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"เขียนฐานข้อมูล {db_path} ไม่สำเร็จ ({exc}) — ไม่มีการเปลี่ยนแปลงใด ๆ; ตรวจด้วย 'nitet doctor' แล้วลองใหม่"
        ) from exc


def copy_manual(conn: sqlite3.Connection, manual: dict) -> None:
    """Copy a manual's rows as they are into a target that has none (inside the caller's transaction)."""
    for row in manual["meta"]:
        conn.execute("INSERT OR IGNORE INTO manual_meta (key, value) VALUES (?, ?)", (row["key"], row["value"]))
    for table in ("duties", "standards"):
        for row in manual[table]:
            columns = list(row)
            conn.execute(
                f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [row[c] for c in columns],
            )


class _Applier:
    """Writes sources into the target inside the caller's transaction, keeping score in ``result``.

    ``deletions`` is every deletion known to the target and the sources (the latest of each
    UUID): a copy that is not newer than its deletion is never brought back, and a deletion
    from a source removes the target's copy when it is at least as new (``apply_deletions``).
    The database owner's own entries are deleted only by a deletion the owner made.
    """

    TARGET = "ฐานข้อมูลปลายทาง"

    def __init__(self, conn: sqlite3.Connection, result: ApplyResult, deletions: dict[str, dict]):
        self.conn = conn
        self.result = result
        self.deletions = deletions
        self.supervisor_ids = {r["uuid"]: r["id"] for r in conn.execute("SELECT id, uuid FROM supervisors")}
        row = conn.execute("SELECT uuid FROM supervisors WHERE is_self = 1").fetchone()
        self.owner: str | None = row[0] if row else None

    def _by_someone_else(self, deletion: dict, supervisor_uuid: str | None, *, in_target: bool) -> bool:
        """A source's deletion of one of the owner's own entries (an entry of the target under the
        owner or under no one; an incoming one under the owner) that the owner did not make."""
        if self.owner is None or deletion["source"] is None or deletion["deleted_by"] == self.owner:
            return False
        return supervisor_uuid == self.owner or (in_target and supervisor_uuid is None)

    # supervisors ---------------------------------------------------------------------------
    def supervisor(self, s: dict, source: str) -> None:
        row = self.conn.execute("SELECT * FROM supervisors WHERE uuid = ?", (s["uuid"],)).fetchone()
        if row is None:
            cur = self.conn.execute(
                f"INSERT INTO supervisors (uuid, {', '.join(PROFILE_FIELDS)}, is_self, updated_at)"
                f" VALUES (?, {', '.join('?' for _ in PROFILE_FIELDS)}, 0, ?)",
                (s["uuid"], *(s[k] for k in PROFILE_FIELDS), s["updated_at"]),
            )
            self.supervisor_ids[s["uuid"]] = cur.lastrowid
            self.result.supervisors_added += 1
            return
        differ = [k for k in PROFILE_FIELDS if row[k] != s[k]]
        if not differ:
            return
        if row["is_self"]:  # the owner's own profile changes only by the owner, never by an import or merge
            self.result.conflicts.append(Conflict("supervisor", s["uuid"], row["name"], source, differ, "owner"))
            return
        newer = _newer(s["updated_at"], row["updated_at"])
        self.result.conflicts.append(
            Conflict("supervisor", s["uuid"], s["name"], source, differ, "source" if newer else "target")
        )
        if newer:
            self.conn.execute(
                f"UPDATE supervisors SET {', '.join(f'{k} = ?' for k in PROFILE_FIELDS)}, updated_at = ? WHERE id = ?",
                (*(s[k] for k in PROFILE_FIELDS), s["updated_at"], row["id"]),
            )
            self.result.supervisors_updated += 1

    # schools -------------------------------------------------------------------------------
    def school(self, s: dict, source: str) -> None:
        row = self.conn.execute("SELECT * FROM schools WHERE code = ?", (s["code"],)).fetchone()
        if row is None:
            self.conn.execute(
                "INSERT INTO schools (code, name, school_group, district, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (s["code"], s["name"], s["group"], s["district"], s["updated_at"], s["updated_at"]),
            )
            self.result.schools_added += 1
            return
        current = {"name": row["name"], "group": row["school_group"], "district": row["district"]}
        differ = [k for k in current if current[k] != s[k]]
        if not differ:
            return
        newer = _newer(s["updated_at"], row["updated_at"])
        self.result.conflicts.append(
            Conflict("school", s["code"], s["name"], source, differ, "source" if newer else "target")
        )
        if newer:
            self.conn.execute(
                "UPDATE schools SET name = ?, school_group = ?, district = ?, updated_at = ? WHERE code = ?",
                (s["name"], s["group"], s["district"], s["updated_at"], s["code"]),
            )
            self.result.schools_updated += 1

    # terms ---------------------------------------------------------------------------------
    def term(self, t: dict, source: str) -> None:
        """An announced term: added when the target has not set it, else the target's dates are
        kept and a difference reported (as is a term that would overlap another of the target's)."""
        from nitet_cli.terms import clashing_term

        key = f"{t['term']}/{t['year']}"
        shown = f"{t['start']} – {t['end']}"
        row = self.conn.execute(
            "SELECT start_date, end_date FROM terms WHERE year = ? AND term = ?", (t["year"], t["term"])
        ).fetchone()
        if row is not None:
            differ = [k for k, v in (("start", row[0]), ("end", row[1])) if t[k] != v]
            if differ:
                label = f"({shown}) ไม่ตรงกับวันที่ที่กำหนดไว้ในฐานข้อมูลนี้ ({row[0]} – {row[1]})"
                self.result.conflicts.append(Conflict("term", key, label, source, differ, "target"))
            return
        clash = clashing_term(
            self.conn, t["year"], t["term"], date.fromisoformat(t["start"]), date.fromisoformat(t["end"])
        )
        if clash is not None:
            label = f"({shown}) ทับกับภาคเรียน {clash[1]}/{clash[0]} ที่กำหนดไว้ในฐานข้อมูลนี้ จึงไม่ได้เพิ่ม"
            self.result.conflicts.append(Conflict("term", key, label, source, ["start", "end"], "target"))
            return
        self.conn.execute(
            "INSERT INTO terms (year, term, start_date, end_date) VALUES (?, ?, ?, ?)",
            (t["year"], t["term"], t["start"], t["end"]),
        )
        self.result.terms_added += 1

    # activities ----------------------------------------------------------------------------
    def _count(self, supervisor_uuid: str | None, names: dict[str, str]) -> SupervisorCount:
        key = supervisor_uuid or ""
        if key not in self.result.per_supervisor:
            self.result.per_supervisor[key] = SupervisorCount(key, names.get(key, "(ไม่ระบุ)"))
        return self.result.per_supervisor[key]

    def _existing(self, activity_uuid: str) -> tuple[sqlite3.Row, dict] | None:
        row = self.conn.execute(
            "SELECT a.*, s.uuid AS supervisor_uuid FROM activities a LEFT JOIN supervisors s ON s.id = a.supervisor_id WHERE a.uuid = ?",
            (activity_uuid,),
        ).fetchone()
        if row is None:
            return None
        comparable = {
            "supervisor": row["supervisor_uuid"],
            **{k: row[k] for k in ACTIVITY_FIELDS},
            "standards": sorted(
                r[0]
                for r in self.conn.execute(
                    "SELECT standard_id FROM activity_standards WHERE activity_id = ?", (row["id"],)
                )
            ),
            "schools": sorted(
                r[0]
                for r in self.conn.execute(
                    "SELECT school_code FROM activity_schools WHERE activity_id = ?", (row["id"],)
                )
            ),
            "evidence": sorted(
                (r["uuid"], *(r[k] for k in EVIDENCE_FIELDS))
                for r in self.conn.execute("SELECT * FROM evidence WHERE activity_id = ?", (row["id"],))
            ),
        }
        return row, comparable

    @staticmethod
    def _comparable(a: dict) -> dict:
        return {
            "supervisor": a["supervisor"],
            **{k: a[k] for k in ACTIVITY_FIELDS},
            "standards": sorted(a["standards"]),
            "schools": sorted(a["schools"]),
            "evidence": sorted((e["uuid"], *(e[k] for k in EVIDENCE_FIELDS)) for e in a["evidence"]),
        }

    def _edited_after_deletion(self, uuid: str, kind: str, label: str, source: str) -> None:
        """A copy newer than its deletion comes back: the deletion is reported and forgotten."""
        deletion = self.deletions.pop(uuid)
        self.result.conflicts.append(
            Conflict(kind, uuid, label, source, ["deleted"], "source", deleted_in=deletion["source"] or self.TARGET)
        )
        self.conn.execute("DELETE FROM deletions WHERE uuid = ?", (uuid,))

    def _not_deleted(self, a: dict, source: str) -> dict | None:
        """``a`` without what was deleted at or after its last edit; None when the whole entry was."""
        deletion = self.deletions.get(a["uuid"])
        if deletion is not None and self._by_someone_else(deletion, a["supervisor"], in_target=False):
            deletion = None  # apply_deletions reports it
        if deletion is not None and deletion["kind"] == "activity":
            if not _newer(a["updated_at"], deletion["deleted_at"]):
                return None
            self._edited_after_deletion(a["uuid"], "activity", a["title"], source)
        evidence = []
        for e in a["evidence"]:
            deletion = self.deletions.get(e["uuid"])
            if deletion is not None and self._by_someone_else(deletion, a["supervisor"], in_target=False):
                deletion = None
            if deletion is not None and deletion["kind"] == "evidence":
                if not _newer(a["updated_at"], deletion["deleted_at"]):
                    continue
                self._edited_after_deletion(
                    e["uuid"], "evidence", e["caption"] or e["original_name"] or e["url"] or "", source
                )
            evidence.append(e)
        return a if len(evidence) == len(a["evidence"]) else {**a, "evidence": evidence}

    def activity(self, a: dict, source: str, names: dict[str, str]) -> None:
        count = self._count(a["supervisor"], names)
        kept = self._not_deleted(a, source)
        if kept is None:
            self.result.activities_stay_deleted += 1
            return
        a = kept
        supervisor_id = self.supervisor_ids.get(a["supervisor"]) if a["supervisor"] else None
        existing = self._existing(a["uuid"])
        values = (supervisor_id, *(a[k] for k in ACTIVITY_FIELDS))
        if existing is None:
            cur = self.conn.execute(
                f"INSERT INTO activities (uuid, supervisor_id, {', '.join(ACTIVITY_FIELDS)}, created_at, updated_at)"
                f" VALUES (?, ?, {', '.join('?' for _ in ACTIVITY_FIELDS)}, ?, ?)",
                (a["uuid"], *values, a["created_at"], a["updated_at"]),
            )
            self._links(cur.lastrowid, a)
            self.result.activities_added += 1
            count.added += 1
            return
        row, current = existing
        incoming = self._comparable(a)
        differ = [k for k in incoming if incoming[k] != current[k]]
        if not differ:
            self.result.activities_unchanged += 1
            count.unchanged += 1
            return
        newer = _newer(a["updated_at"], row["updated_at"])
        self.result.conflicts.append(
            Conflict("activity", a["uuid"], a["title"], source, differ, "source" if newer else "target")
        )
        if not newer:
            count.kept_target += 1
            return
        self.conn.execute(
            f"UPDATE activities SET supervisor_id = ?, {', '.join(f'{k} = ?' for k in ACTIVITY_FIELDS)}, updated_at = ? WHERE id = ?",
            (*values, a["updated_at"], row["id"]),
        )
        self.conn.execute("DELETE FROM activity_standards WHERE activity_id = ?", (row["id"],))
        self.conn.execute("DELETE FROM activity_schools WHERE activity_id = ?", (row["id"],))
        keep = [e["uuid"] for e in a["evidence"]]
        self.result.unused_files.update(
            r[0]
            for r in self.conn.execute(
                f"SELECT sha256 FROM evidence WHERE activity_id = ? AND sha256 IS NOT NULL AND uuid NOT IN ({', '.join('?' for _ in keep) or 'NULL'})",
                (row["id"], *keep),
            )
        )
        self.conn.execute(
            f"DELETE FROM evidence WHERE activity_id = ? AND uuid NOT IN ({', '.join('?' for _ in keep) or 'NULL'})",
            (row["id"], *keep),
        )
        self._links(row["id"], a)
        self.result.activities_updated += 1
        count.updated += 1

    def _links(self, activity_id: int, a: dict) -> None:
        self.conn.executemany(
            "INSERT INTO activity_standards (activity_id, standard_id) VALUES (?, ?)",
            [(activity_id, s) for s in a["standards"]],
        )
        self.conn.executemany(
            "INSERT INTO activity_schools (activity_id, school_code) VALUES (?, ?)",
            [(activity_id, c) for c in a["schools"]],
        )
        for e in a["evidence"]:
            existed = self.conn.execute("SELECT 1 FROM evidence WHERE uuid = ?", (e["uuid"],)).fetchone() is not None
            # Evidence never changes its entry here: check_conflicts refused any that would.
            self.conn.execute(
                f"INSERT INTO evidence (uuid, activity_id, {', '.join(EVIDENCE_FIELDS)}, created_at)"
                f" VALUES (?, ?, {', '.join('?' for _ in EVIDENCE_FIELDS)}, ?)"
                " ON CONFLICT(uuid) DO UPDATE SET kind = excluded.kind,"
                " sha256 = excluded.sha256, original_name = excluded.original_name, media_type = excluded.media_type,"
                " size = excluded.size, url = excluded.url, caption = excluded.caption"
                " WHERE evidence.activity_id = excluded.activity_id",
                (e["uuid"], activity_id, *(e[k] for k in EVIDENCE_FIELDS), e["created_at"]),
            )
            if not existed:
                self.result.evidence_added += 1

    # follow-ups ----------------------------------------------------------------------------
    def follow_up(self, f: dict, source: str) -> None:
        """By UUID, after the entries: one whose visit is not in the target (deleted, or never
        brought back) is left out with it; a disagreement keeps the later ``updated_at``."""
        visit = self.conn.execute("SELECT id FROM activities WHERE uuid = ?", (f["activity"],)).fetchone()
        if visit is None:
            return
        row = self.conn.execute("SELECT * FROM follow_ups WHERE uuid = ?", (f["uuid"],)).fetchone()
        values = (f["school"], *(f[k] for k in FOLLOW_UP_FIELDS[1:]))
        if row is None:
            self.conn.execute(
                "INSERT INTO follow_ups (uuid, activity_id, school_code, text, given_on, check_by, status, result, closed_on,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f["uuid"], visit[0], *values, f["created_at"], f["updated_at"]),
            )
            self.result.follow_ups_added += 1
            return
        current = (row["school_code"], *(row[k] for k in FOLLOW_UP_FIELDS[1:]))
        differ = [k for k, old, new in zip(FOLLOW_UP_FIELDS, current, values) if old != new]
        if not differ:
            return
        newer = _newer(f["updated_at"], row["updated_at"])
        self.result.conflicts.append(
            Conflict("follow_up", f["uuid"], f["text"], source, differ, "source" if newer else "target")
        )
        if newer:
            self.conn.execute(
                "UPDATE follow_ups SET school_code = ?, text = ?, given_on = ?, check_by = ?, status = ?, result = ?,"
                " closed_on = ?, updated_at = ? WHERE id = ?",
                (*values, f["updated_at"], row["id"]),
            )
            self.result.follow_ups_updated += 1

    # deletions -----------------------------------------------------------------------------
    def apply_deletions(self) -> None:
        """Each deletion a source brought: remove the target's copy when the deletion is at least
        as new (a tie: the deletion was the later act where it happened), keep a copy edited later
        (reported), and record the deletion so that it travels on."""
        from nitet_cli.deletions import save

        for uuid, d in list(self.deletions.items()):
            if d["source"] is None:
                continue  # the target's own record: nothing new
            if d["kind"] == "activity":
                row = self.conn.execute(
                    "SELECT a.id, a.title, a.updated_at, s.uuid AS supervisor_uuid, s.name FROM activities a"
                    " LEFT JOIN supervisors s ON s.id = a.supervisor_id WHERE a.uuid = ?",
                    (uuid,),
                ).fetchone()
                if row is not None:
                    if self._by_someone_else(d, row["supervisor_uuid"], in_target=True):
                        self.result.conflicts.append(
                            Conflict(
                                "activity",
                                uuid,
                                row["title"],
                                d["source"],
                                ["deleted"],
                                "owner",
                                deleted_in=d["source"],
                            )
                        )
                        continue
                    if _newer(row["updated_at"], d["deleted_at"]):
                        self.result.conflicts.append(
                            Conflict(
                                "activity",
                                uuid,
                                row["title"],
                                d["source"],
                                ["deleted"],
                                "target",
                                deleted_in=d["source"],
                            )
                        )
                        continue
                    self.result.unused_files.update(
                        r[0]
                        for r in self.conn.execute(
                            "SELECT sha256 FROM evidence WHERE activity_id = ? AND sha256 IS NOT NULL", (row["id"],)
                        )
                    )
                    for table in ("evidence", "activity_standards", "activity_schools"):
                        self.conn.execute(f"DELETE FROM {table} WHERE activity_id = ?", (row["id"],))
                    self.conn.execute("DELETE FROM activities WHERE id = ?", (row["id"],))
                    self.result.activities_deleted += 1
                    self._count(
                        row["supervisor_uuid"], {row["supervisor_uuid"] or "": row["name"] or "(ไม่ระบุ)"}
                    ).deleted += 1
            else:
                row = self.conn.execute(
                    "SELECT e.id, e.sha256, e.caption, e.original_name, e.url, a.updated_at, s.uuid AS supervisor_uuid"
                    " FROM evidence e JOIN activities a ON a.id = e.activity_id LEFT JOIN supervisors s ON s.id = a.supervisor_id"
                    " WHERE e.uuid = ?",
                    (uuid,),
                ).fetchone()
                if row is not None:
                    label = row["caption"] or row["original_name"] or row["url"] or ""
                    if self._by_someone_else(d, row["supervisor_uuid"], in_target=True):
                        self.result.conflicts.append(
                            Conflict("evidence", uuid, label, d["source"], ["deleted"], "owner", deleted_in=d["source"])
                        )
                        continue
                    if _newer(row["updated_at"], d["deleted_at"]):
                        self.result.conflicts.append(
                            Conflict(
                                "evidence", uuid, label, d["source"], ["deleted"], "target", deleted_in=d["source"]
                            )
                        )
                        continue
                    if row["sha256"]:
                        self.result.unused_files.add(row["sha256"])
                    self.conn.execute("DELETE FROM evidence WHERE id = ?", (row["id"],))
                    self.result.evidence_deleted += 1
            save(self.conn, uuid, d["kind"], d["deleted_at"], d["deleted_by"], d["activity"])
            self.result.deletions_recorded += 1


def _known_deletions(conn: sqlite3.Connection, sources: list[Source]) -> dict[str, dict]:
    """uuid -> the latest deletion of it known to the target or a source (``source``: its label, None for the target)."""
    deletions = {
        r["uuid"]: {**dict(r), "source": None}
        for r in conn.execute(f"SELECT {', '.join(DELETION_FIELDS)} FROM deletions")
    }
    for source in sources:
        for d in source.data.get("deletions", []):
            known = deletions.get(d["uuid"])
            if known is None or _newer(d["deleted_at"], known["deleted_at"]):
                deletions[d["uuid"]] = {**d, "source": source.label}
    return deletions


def apply_sources(
    conn: sqlite3.Connection,
    sources: list[Source],
    result: ApplyResult | None = None,
    on_progress: Progress | None = None,
) -> ApplyResult:
    """Write every source into ``conn``; call inside ONE transaction, after check_references,
    check_conflicts and store_files; then, once committed, ``remove_unused_files``."""
    result = result or ApplyResult()
    applier = _Applier(conn, result, _known_deletions(conn, sources))
    total = sum(len(s.data["activities"]) for s in sources)
    done = 0
    for source in sources:
        result.sources.append(source.label)
        names = {s["uuid"]: s["name"] for s in source.data["supervisors"]}
        for s in source.data["supervisors"]:
            applier.supervisor(s, source.label)
        for s in source.data["schools"]:
            applier.school(s, source.label)
        for t in source.data.get("terms", []):
            applier.term(t, source.label)
        for a in source.data["activities"]:
            applier.activity(a, source.label, names)
            done += 1
            if on_progress and (done % 50 == 0 or done == total):
                on_progress("รวมกิจกรรม", done, total)
        for f in source.data.get("follow_ups", []):
            applier.follow_up(f, source.label)
    applier.apply_deletions()
    for key, count in result.per_supervisor.items():
        row = conn.execute(
            "SELECT s.name, count(a.id) FROM supervisors s LEFT JOIN activities a ON a.supervisor_id = s.id WHERE s.uuid = ? GROUP BY s.id",
            (key,),
        ).fetchone()
        if row is not None:
            count.name, count.total = row[0], row[1]
    return result


def remove_unused_files(conn: sqlite3.Connection, db_path: Path, result: ApplyResult) -> None:
    """After the commit: the stored files of removed evidence that no entry uses any more
    (checked again and removed under the write lock)."""
    from nitet_cli.evidence_store import remove_unused

    try:
        result.files_removed += len(remove_unused(conn, db_path, result.unused_files))
    except (OSError, sqlite3.Error):
        pass  # a file left behind is harmless: 'nitet doctor' names it, 'doctor --fix' removes it


# --- moving to a new computer: import --as-owner ----------------------------------------------


def export_owner(source: Source) -> dict:
    """The supervisor whose database the export came from (the file's ``owner``; a file from before
    ``owner`` was written: its only supervisor), or one sentence saying why there is none."""
    data = source.data
    people = {s["uuid"]: s for s in data["supervisors"]}
    if data.get("owner") is not None:
        return people[data["owner"]]
    if data.get("owner_stated"):  # the file says it had no owner: a group database
        raise InputError(
            f"{source.label} มาจากฐานข้อมูลที่ไม่มีเจ้าของ (ฐานข้อมูลรวมของกลุ่ม) — --as-owner ใช้กับไฟล์ที่ส่งออกจากฐานข้อมูลของคุณเอง"
        )
    if len(people) == 1:
        return next(iter(people.values()))
    raise InputError(
        f"{source.label} ไม่ได้ระบุว่าเป็นงานของใคร (ส่งออกด้วย nitet รุ่นเก่า มีศึกษานิเทศก์ {len(people)} คน)"
        " — ส่งออกใหม่จากเครื่องเดิมด้วย 'nitet export --with-evidence -o ย้ายเครื่อง.zip' แล้วนำเข้าไฟล์นั้น"
    )


def not_fresh(conn: sqlite3.Connection, owner_name: str) -> str | None:
    """Why this database cannot take the export's owner as its own (None: it can): it must be fresh —
    no activities, no other supervisor, and its owner still the bundled sample (or already the same name)."""
    from nitet_cli.profile import SAMPLE_NAME

    activities = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    if activities:
        return f"ฐานข้อมูลนี้มีกิจกรรมแล้ว {activities} รายการ"
    others = [r[0] for r in conn.execute("SELECT name FROM supervisors WHERE is_self = 0 ORDER BY id LIMIT 3")]
    if others:
        return f"ฐานข้อมูลนี้มีศึกษานิเทศก์คนอื่นแล้ว ({', '.join(others)})"
    row = conn.execute("SELECT name FROM supervisors WHERE is_self = 1").fetchone()
    if row is not None and row[0] not in (SAMPLE_NAME, owner_name):
        return f"ฐานข้อมูลนี้เป็นของ {row[0]} แล้ว"
    return None


def check_fresh(conn: sqlite3.Connection, owner_name: str) -> None:
    reason = not_fresh(conn, owner_name)
    if reason is not None:
        raise InputError(
            f"--as-owner ใช้ได้กับฐานข้อมูลใหม่เท่านั้น แต่{reason} — นำเข้าโดยไม่ใส่ --as-owner,"
            " หรือสร้างฐานข้อมูลใหม่ด้วย 'nitet --db ใหม่.db init' แล้วนำเข้าที่นั่น"
        )


def take_owner(conn: sqlite3.Connection, owner: dict) -> None:
    """Make the export's owner this database's owner, profile included (inside the caller's
    transaction, before ``apply_sources``): the owner's row takes the file's UUID, so that the
    owner's entries and deletions come in as the owner's own."""
    fields = (*PROFILE_FIELDS, *ENDORSER_FIELDS)
    row = conn.execute("SELECT id FROM supervisors WHERE is_self = 1").fetchone()
    values = (owner["uuid"], *(owner[k] for k in fields), owner["updated_at"])
    if row is None:
        conn.execute(
            f"INSERT INTO supervisors (uuid, {', '.join(fields)}, updated_at, is_self)"
            f" VALUES (?, {', '.join('?' for _ in fields)}, ?, 1)",
            values,
        )
    else:
        conn.execute(
            f"UPDATE supervisors SET uuid = ?, {', '.join(f'{k} = ?' for k in fields)}, updated_at = ? WHERE id = ?",
            (*values, row[0]),
        )


def import_export(
    conn: sqlite3.Connection,
    db_path: Path,
    file: Path,
    on_progress: Progress | None = None,
    *,
    as_owner: bool = False,
    ask_owner: Callable[[str], bool] | None = None,
) -> ApplyResult:
    """``nitet import FILE``: an export (.json or .zip) into the database; all or nothing.

    ``as_owner`` (``--as-owner``): the export's owner becomes this database's owner, profile
    included — only into a fresh database (``check_fresh``). Without it, ``ask_owner(name)``
    (a question in a terminal) is asked when the database is fresh and the file names its owner."""
    from nitet_cli.db import transaction
    from nitet_cli.evidence_store import Staging

    with Scratch(db_path) as work:
        source = read_export(file, work)
        owner = None
        with damaged_database_says_so(db_path):
            if as_owner:
                owner = export_owner(source)
                check_fresh(conn, owner["name"])
            elif ask_owner is not None:
                try:
                    candidate = export_owner(source)
                except InputError:
                    candidate = None
                if (
                    candidate is not None
                    and not_fresh(conn, candidate["name"]) is None
                    and ask_owner(candidate["name"])
                ):
                    owner = candidate
            check_references(conn, [source])
            check_conflicts(conn, [source])
            files = plan_files(conn, db_path, [source], on_progress)
        result = ApplyResult()
        with Staging(conn, db_path) as staging:
            result.files_copied = store_files(staging, files, on_progress, file_names([source]))
            with written_or_undone(conn, db_path):
                with transaction(conn):
                    if owner is not None:
                        check_fresh(conn, owner["name"])  # again, under the write lock
                        take_owner(conn, owner)
                        result.owner_taken = owner["name"]
                    place_files(staging, [source], files)
                    apply_sources(conn, [source], result, on_progress)
    remove_unused_files(conn, db_path, result)
    return result


@contextlib.contextmanager
def damaged_database_says_so(db_path: Path) -> Iterator[None]:
    """Reading the target before writing: a SQLite error there is a damaged file, said in one sentence."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"อ่านฐานข้อมูล {db_path} ไม่ได้ ({exc}) — ไม่ได้เขียนอะไรลงไป; ตรวจด้วย 'nitet doctor' และกู้คืนจากไฟล์สำรองของ 'nitet backup'"
        ) from exc


def export_period(
    conn: sqlite3.Connection,
    today: date,
    *,
    year: str | int | None = None,
    term: int | None = None,
    since: str | None = None,
    until: str | None = None,
) -> tuple[date | None, date | None, str | None]:
    """The dates ``export`` keeps (either may be None: no bound) and how to name them (None: everything).

    As ``nitet list``: ``--year`` alone is the whole academic year, ``--term`` alone a term of the
    current one, both that term (announced dates, else the defaults); ``--from``/``--to`` narrow
    them further or stand alone. ``--from`` after ``--to`` is refused."""
    from nitet_cli.dates import parse_date
    from nitet_cli.terms import check_year_term, current_term, get_term
    from nitet_cli.thai import to_arabic_digits

    start = parse_date(since, today) if since is not None else None
    end = parse_date(until, today) if until is not None else None
    if start and end and start > end:
        raise InputError(
            f"วันที่ --from ({start.isoformat()}) อยู่หลัง --to ({end.isoformat()})"
            " — ระบุวันเริ่มก่อนหรือวันเดียวกับวันสุดท้าย เช่น --from 1/11/2569 --to 30/11/2569"
        )
    names = []
    if year is not None or term is not None:
        if year is not None:
            digits = to_arabic_digits(str(year).strip())
            if not digits.isdigit():
                raise InputError(f"--year ต้องเป็นปีการศึกษา พ.ศ. เช่น 2569 ไม่ใช่ '{year}'")
            number = int(digits)
        else:
            number = current_term(conn, today).year
        check_year_term(number, term or 1)
        if term is not None:
            chosen = get_term(conn, number, term)
            first, last = chosen.start, chosen.end
            names.append(f"ภาคเรียนที่ {term}/{number}")
        else:
            first, last = get_term(conn, number, 1).start, get_term(conn, number, 2).end
            names.append(f"ปีการศึกษา {number}")
        start = max(start, first) if start else first
        end = min(end, last) if end else last
    if since is not None or until is not None:
        names.append(f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}")
    return start, end, ", ".join(names) or None


def export(
    conn: sqlite3.Connection,
    db_path: Path,
    out: Path | None,
    fmt: str,
    *,
    what: str = "activities",
    with_evidence: bool = False,
    school: str | None = None,
    standard: str | None = None,
    since: date | None = None,
    until: date | None = None,
    on_progress: Progress | None = None,
) -> dict:
    """``nitet export``: returns what was written (path, counts); with ``out=None`` the bytes are returned under 'data'.

    ``since``/``until`` (see :func:`export_period`) keep the entries dated between them, both included."""
    if what not in ("activities", "schools"):
        raise InputError(f"--what '{what}' ไม่มี — เลือก activities หรือ schools")
    if school and conn.execute("SELECT 1 FROM schools WHERE code = ?", (school,)).fetchone() is None:
        from nitet_cli.schools import resolve_school

        school = resolve_school(conn, school).code
    if standard and conn.execute("SELECT 1 FROM standards WHERE id = ?", (standard,)).fetchone() is None:
        from nitet_cli.activities import check_standards

        check_standards(conn, [standard])
    if out is not None:
        from nitet_cli.files import check_output

        check_output(out, db=db_path)  # before any work: never over the database or its store
    data = collect(conn, school=school, standard=standard, since=since, until=until)
    summary = {
        "format": "zip" if with_evidence else fmt,
        "activities": len(data["activities"]),
        "schools": len(data["schools"]),
        "supervisors": len(data["supervisors"]),
    }
    if with_evidence:
        if fmt != "json":
            raise InputError("--with-evidence ใช้กับ --format json เท่านั้น (ไฟล์ .zip ที่มี export.json และไฟล์หลักฐาน)")
        if out is None:
            raise InputError("--with-evidence ต้องระบุไฟล์ผลลัพธ์ด้วย -o เช่น -o ส่งออก.zip")
        path, files = write_archive(data, db_path, out, on_progress)
        return {**summary, "output": str(path), "evidence_files": files}
    payload = export_bytes(data, fmt, what, conn)
    if out is None:
        return {**summary, "output": None, "data": payload}
    return {**summary, "output": str(write_export(payload, db_path, out))}
