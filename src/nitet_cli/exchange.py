"""Export, import and the shared machinery of merge: moving records between nitet databases.

The exchange shape (JSON, ``{"format": "nitet-export", "version": 1, …}``)::

    {
      "format": "nitet-export", "version": 1,
      "exported_at": "2026-11-24T09:00:00+00:00", "generator": "nitet 0.1.0",
      "supervisors": [{"uuid", "name", "position", "academic_standing", "work_unit", "work_group",
                       "office", "agency", "ministry", "updated_at"}],
      "schools":     [{"code", "name", "group", "district", "updated_at"}],
      "activities":  [{"uuid", "supervisor" (a supervisor's uuid or null), "date" (ISO, Gregorian),
                       "kind", "mode", "title", "findings", "suggestions", "participants",
                       "teachers" (int or null), "standards": ["7.3", …], "schools": ["57010001", …],
                       "evidence": [{"uuid", "kind": "file"|"link", "sha256", "original_name",
                                     "media_type", "size", "url", "caption", "created_at"}],
                       "created_at", "updated_at"}]
    }

Fields added later within version 1 are optional and ignored by older readers; a
change that older readers would misread bumps the version.

``apply_sources`` brings one or more sources (an export file, another database) into
a target database: supervisors by UUID, schools by code, activities and evidence by
UUID, so applying the same source twice adds nothing. When a source and the target
disagree about the same UUID (or school code) the disagreement is reported and the
entry with the later ``updated_at`` is kept. Everything is checked first (shape,
standards, schools, evidence files and their SHA-256), files are copied into the
store, then the database is written in one transaction by the caller.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
import sqlite3
import tempfile
import uuid as uuid_module
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from nitet_cli.errors import DatabaseError, InputError, NotFoundError
from nitet_cli.text import clean_text, decode_utf8
from nitet_cli.thai import be_date_short

if TYPE_CHECKING:
    from nitet_cli.evidence_store import Staging

FORMAT = "nitet-export"
VERSION = 1
ZIP_JSON = "export.json"
ZIP_EVIDENCE = "evidence/"
SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_head(path: Path) -> bytes:
    """The first bytes of ``path``, as many as an SQLite file's header (b"" for an empty file)."""
    with open(path, "rb") as handle:
        return handle.read(len(SQLITE_HEADER))
PROFILE_FIELDS = ("name", "position", "academic_standing", "work_unit", "work_group", "office", "agency", "ministry")
ACTIVITY_FIELDS = ("date", "kind", "mode", "title", "findings", "suggestions", "participants", "teachers")
EVIDENCE_FIELDS = ("kind", "sha256", "original_name", "media_type", "size", "url", "caption")
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
CHUNK = 1 << 20

#: on_progress(description, done, total)
Progress = Callable[[str, int, int], None]


def _now() -> str:
    from nitet_cli.clock import now_iso

    return now_iso()


# --- reading a database into the exchange shape --------------------------------------------


def collect(conn: sqlite3.Connection, *, school: str | None = None, standard: str | None = None) -> dict:
    """Everything in ``conn`` (or the activities of one school / one standard) in the exchange shape."""
    from nitet_cli import __version__

    where, params = [], []
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
        {"uuid": r["uuid"], **{k: r[k] for k in PROFILE_FIELDS}, "updated_at": r["updated_at"]}
        for r in conn.execute("SELECT * FROM supervisors ORDER BY is_self DESC, id")
        if not clause or r["uuid"] in used_supervisors
    ]
    used_schools = {code for a in activities for code in a["schools"]}
    schools = [
        {"code": r["code"], "name": r["name"], "group": r["school_group"], "district": r["district"], "updated_at": r["updated_at"]}
        for r in conn.execute("SELECT * FROM schools ORDER BY code")
        if not clause or r["code"] in used_schools
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _now(),
        "generator": f"nitet {__version__}",
        "supervisors": supervisors,
        "schools": schools,
        "activities": activities,
    }


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

ACTIVITY_CSV = (
    ("uuid", "uuid"),
    ("date", "วันที่"),
    ("date_be", "วันที่ (พ.ศ.)"),
    ("supervisor", "ศึกษานิเทศก์"),
    ("kind", "ประเภท"),
    ("mode", "รูปแบบ"),
    ("title", "ชื่อกิจกรรม"),
    ("standards", "มาตรฐาน"),
    ("school_codes", "รหัสโรงเรียน"),
    ("schools", "โรงเรียน"),
    ("findings", "ผลการนิเทศ"),
    ("suggestions", "ข้อเสนอแนะ"),
    ("participants", "ผู้เข้าร่วม"),
    ("teachers", "จำนวนครู"),
    ("evidence", "หลักฐาน"),
    ("updated_at", "แก้ไขล่าสุด"),
)
#: The same headers `nitet school import` reads.
SCHOOL_CSV = (("code", "รหัสโรงเรียน"), ("name", "ชื่อโรงเรียน"), ("group", "กลุ่มโรงเรียน"), ("district", "อำเภอ"))
LIST_SEPARATOR = "; "


def activities_csv(data: dict) -> str:
    from nitet_cli.activities import KINDS, MODES

    supervisors = {s["uuid"]: s["name"] for s in data["supervisors"]}
    schools = {s["code"]: s["name"] for s in data["schools"]}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _key, label in ACTIVITY_CSV])
    for a in data["activities"]:
        evidence = [e["url"] if e["kind"] == "link" else (e["original_name"] or e["sha256"]) for e in a["evidence"]]
        row = {
            **a,
            "date_be": be_date_short(a["date"]),
            "supervisor": supervisors.get(a["supervisor"], ""),
            "kind": KINDS.get(a["kind"], a["kind"]),
            "mode": MODES.get(a["mode"], a["mode"]),
            "standards": LIST_SEPARATOR.join(a["standards"]),
            "school_codes": LIST_SEPARATOR.join(a["schools"]),
            "schools": LIST_SEPARATOR.join(schools.get(c, c) for c in a["schools"]),
            "teachers": "" if a["teachers"] is None else a["teachers"],
            "evidence": LIST_SEPARATOR.join(evidence),
        }
        writer.writerow([row[key] for key, _label in ACTIVITY_CSV])
    return out.getvalue()


def schools_csv(data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([label for _key, label in SCHOOL_CSV])
    for s in data["schools"]:
        writer.writerow([s[key] for key, _label in SCHOOL_CSV])
    return out.getvalue()


def export_bytes(data: dict, fmt: str, what: str = "activities") -> bytes:
    """The export as bytes: JSON (UTF-8), or CSV as UTF-8 with a BOM so that Excel shows Thai."""
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "csv":
        text = schools_csv(data) if what == "schools" else activities_csv(data)
        return text.encode("utf-8-sig")
    raise InputError(f"รูปแบบ '{fmt}' ไม่มี — เลือก json หรือ csv")


def write_export(data: dict, out: Path, fmt: str, what: str = "activities") -> Path:
    from nitet_cli.render import write_atomically

    payload = export_bytes(data, fmt, what)
    return write_atomically(Path(out), lambda tmp: tmp.write_bytes(payload))


def write_archive(data: dict, db_path: Path, out: Path, on_progress: Progress | None = None) -> tuple[Path, int]:
    """A .zip holding ``export.json`` and every evidence file (``evidence/<sha256>``); returns (path, files)."""
    from nitet_cli.evidence_store import sha256_of, stored_path
    from nitet_cli.render import write_atomically

    shas = sorted({e["sha256"] for a in data["activities"] for e in a["evidence"] if e["kind"] == "file"})
    for sha in shas:
        path = stored_path(db_path, sha)
        if not path.is_file():
            raise NotFoundError(
                f"ไฟล์หลักฐาน {sha[:12]}… หายไปจากที่เก็บ ({path}) — ตรวจด้วย 'nitet doctor' แล้วคัดลอกกลับจากไฟล์สำรองก่อนส่งออก"
            )

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr(ZIP_JSON, export_bytes(data, "json"), compress_type=zipfile.ZIP_DEFLATED)
            for done, sha in enumerate(shas, 1):
                source = stored_path(db_path, sha)
                if sha256_of(source) != sha:
                    raise DatabaseError(
                        f"ไฟล์หลักฐาน {source} ไม่ตรงกับ SHA-256 ที่บันทึกไว้ (ถูกแก้ไขหลังบันทึก) — ตรวจด้วย 'nitet doctor'"
                    )
                archive.write(source, ZIP_EVIDENCE + sha, compress_type=zipfile.ZIP_STORED)
                if on_progress:
                    on_progress("ส่งออกไฟล์หลักฐาน", done, len(shas))

    return write_atomically(Path(out), write), len(shas)


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
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _fail(f"{where}.{key}", f"ต้องเป็นจำนวนเต็มไม่ติดลบหรือ null ไม่ใช่ {value!r}")
    return value


def check_export(data: Any) -> dict:
    """Check an export's shape; returns a cleaned copy. The error names the first wrong field, e.g. ``activities[3].date``."""
    from nitet_cli.activities import KINDS, MODES

    top = _obj(data, "ระดับบนสุด")
    if top.get("format") != FORMAT:
        raise _fail("format", f"ต้องเป็น \"{FORMAT}\" ไม่ใช่ {top.get('format')!r} — ไฟล์นี้ไม่ได้มาจาก 'nitet export --format json'")
    version = top.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise _fail("version", f"ต้องเป็นตัวเลข เช่น {VERSION} ไม่ใช่ {version!r}")
    if version > VERSION:
        raise InputError(f"ไฟล์ส่งออกรุ่น {version} มาจาก nitet ที่ใหม่กว่า (โปรแกรมนี้อ่านได้ถึงรุ่น {VERSION}) — ปรับรุ่น nitet ก่อนนำเข้า")
    if version < 1:
        raise _fail("version", f"ต้องเป็น {VERSION} ไม่ใช่ {version}")
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
        for key in PROFILE_FIELDS[1:]:
            s[key] = _str(item, key, where)
        s["updated_at"] = _timestamp(item, "updated_at", where, stamp)
        supervisors.append(s)

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
        day = _str(item, "date", where, required=True, multiline=False)
        try:
            a["date"] = date.fromisoformat(day).isoformat()
        except ValueError:
            raise _fail(f"{where}.date", f"'{day}' ไม่ใช่วันที่แบบ ISO (ค.ศ.) เช่น 2026-11-24") from None
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
                raise _fail(f"{where}.standards[{j}]", f"ต้องเป็นรหัสมาตรฐาน เช่น \"7.3\" ไม่ใช่ {sid!r}")
            if sid.strip() not in a["standards"]:
                a["standards"].append(sid.strip())
        a["schools"] = []
        for j, code in enumerate(_list(item, "schools", where + ".")):
            if not isinstance(code, str) or not code.strip():
                raise _fail(f"{where}.schools[{j}]", f"ต้องเป็นรหัสโรงเรียน เช่น \"57010001\" ไม่ใช่ {code!r}")
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
                raise _fail(f"{ew}.kind", f"ต้องเป็น \"file\" หรือ \"link\" ไม่ใช่ {e['kind']!r}")
            e["caption"] = _str(e_item, "caption", ew, multiline=False)
            e["created_at"] = _timestamp(e_item, "created_at", ew, stamp)
            a["evidence"].append(e)
        a["created_at"] = _timestamp(item, "created_at", where, stamp)
        a["updated_at"] = _timestamp(item, "updated_at", where, a["created_at"])
        activities.append(a)
    return {"format": FORMAT, "version": VERSION, "supervisors": supervisors, "schools": schools, "activities": activities}


# --- reading an export file -----------------------------------------------------------------


@dataclass
class Source:
    """One thing to bring into the target: its data in the exchange shape and where its evidence files are."""

    label: str
    data: dict
    files: Callable[[str], Path | None]  # sha256 -> a readable file with those bytes, or None
    manual: dict | None = None


def read_export(path: Path, workdir: Path) -> Source:
    """An export file (.json, or the .zip of ``--with-evidence``), checked; zip members are extracted
    into ``workdir`` only by the name the export gives them, each verified against its SHA-256 later."""
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"ไม่พบไฟล์ {path} — ระบุไฟล์ .json หรือ .zip ที่ได้จาก 'nitet export'")
    if path.is_dir():
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์ .json หรือ .zip ที่ได้จาก 'nitet export'")
    if sqlite_head(path) == SQLITE_HEADER:
        raise InputError(f"{path} เป็นไฟล์ฐานข้อมูล SQLite ไม่ใช่ไฟล์ส่งออก — รวมฐานข้อมูลด้วย 'nitet merge {path}'")
    if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
        raise InputError(
            f"{path} เป็นตาราง ไม่ใช่ไฟล์ส่งออกของ nitet — 'nitet import' อ่านไฟล์ .json หรือ .zip จาก 'nitet export';"
            " รายชื่อโรงเรียนจาก CSV นำเข้าด้วย 'nitet school import'"
        )
    if zipfile.is_zipfile(path):
        return _read_archive(path, workdir)
    raw = path.read_bytes()
    return Source(label=str(path), data=_parse_json(raw, str(path)), files=lambda sha: None)


def _parse_json(raw: bytes, label: str) -> dict:
    text = decode_utf8(raw, label, "ระบุไฟล์ .json จาก 'nitet export'")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: JSON ผิดรูปแบบที่บรรทัด {exc.lineno} คอลัมน์ {exc.colno} ({exc.msg}) — ระบุไฟล์ .json จาก 'nitet export'") from exc
    return check_export(data)


def _read_archive(path: Path, workdir: Path) -> Source:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path} เป็นไฟล์ zip ที่เสียหาย ({exc}) — ส่งออกใหม่ด้วย 'nitet export --with-evidence'") from exc
    with archive:
        names = set(archive.namelist())
        if ZIP_JSON not in names:
            raise InputError(f"{path} ไม่มี {ZIP_JSON} — ไฟล์ zip นี้ไม่ได้มาจาก 'nitet export --with-evidence'")
        try:
            raw = archive.read(ZIP_JSON)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:  # CRC error, truncated
            raise InputError(f"{path}: อ่าน {ZIP_JSON} ไม่ได้ ({exc}) — ไฟล์ zip เสียหาย ส่งออกใหม่") from exc
        data = _parse_json(raw, f"{path}:{ZIP_JSON}")

    def files(sha: str) -> Path | None:
        """Extract one evidence file on demand (only those the target lacks), by the name the export gives it."""
        member = ZIP_EVIDENCE + sha
        if member not in names:
            return None
        target = workdir / sha
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

    kind: str  # supervisor, school, activity
    key: str  # uuid, or a school code
    label: str  # a name or title a person recognises
    source: str
    fields: list[str]
    kept: str  # "source" (the source's entry is newer) or "target"

    def message(self) -> str:
        thing = {"supervisor": "ศึกษานิเทศก์", "school": "โรงเรียน", "activity": "กิจกรรม"}[self.kind]
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
    total: int = 0  # activities of this supervisor in the target afterwards


@dataclass
class ApplyResult:
    sources: list[str] = field(default_factory=list)
    supervisors_added: int = 0
    supervisors_updated: int = 0
    schools_added: int = 0
    schools_updated: int = 0
    activities_added: int = 0
    activities_updated: int = 0
    activities_unchanged: int = 0
    evidence_added: int = 0
    files_copied: int = 0
    manual_copied: bool = False
    per_supervisor: dict[str, SupervisorCount] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (self.supervisors_added, self.supervisors_updated, self.schools_added, self.schools_updated,
             self.activities_added, self.activities_updated, self.evidence_added, self.manual_copied)
        )

    def as_dict(self) -> dict:
        data = asdict(self)
        data["per_supervisor"] = [asdict(c) for c in self.per_supervisor.values()]
        data["conflicts"] = [{**asdict(c), "message": c.message()} for c in self.conflicts]
        data["changed"] = self.changed
        return data


def _instant(value: str | None) -> datetime:
    earliest = datetime.min.replace(tzinfo=timezone.utc)
    if not value:
        return earliest
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return earliest
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


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
                if e["kind"] != "file" or sha in wanted or stored_path(db_path, sha).is_file():
                    continue
                wanted[sha] = (source, e["original_name"] or sha[:12], f"กิจกรรม '{a['title']}' (activities[{i}].evidence[{j}])")
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
            raise InputError(f"{source.label}: อ่านไฟล์หลักฐาน '{name}' ไม่ได้ ({exc.strerror}) — ตรวจสิทธิ์ของไฟล์ {path}") from exc
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


def store_files(staging: Staging, files: dict[str, Path], on_progress: Progress | None = None) -> int:
    """Copy verified files into the target's store under temporary names, before the database
    transaction; ``staging.place()`` inside it gives them their hash names."""
    for done, (sha, path) in enumerate(sorted(files.items()), 1):
        stored = staging.add(path)
        if stored.sha256 != sha:
            raise InputError(f"ไฟล์หลักฐาน {path} เปลี่ยนไประหว่างการคัดลอก — ลองใหม่")
        if on_progress:
            on_progress("คัดลอกไฟล์หลักฐาน", done, len(files))
    return len(files)


def place_files(staging: Staging, sources: list[Source], copied: dict[str, Path]) -> None:
    """Inside the write transaction: place the copies, and make sure every file the sources point to
    and the target already had (seen before the lock) is still there, copying it again if not."""
    from nitet_cli.evidence_store import stored_path

    staging.place()
    for source in sources:
        for a in source.data["activities"]:
            for e in a["evidence"]:
                sha = e["sha256"]
                if e["kind"] != "file" or sha in copied:
                    continue
                path = source.files(sha)
                if path is not None:
                    staging.ensure(sha, Path(path))
                elif not stored_path(staging.db_path, sha).is_file():
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
        raise DatabaseError(f"เขียนฐานข้อมูล {db_path} ไม่สำเร็จ ({exc}) — ไม่มีการเปลี่ยนแปลงใด ๆ; ตรวจด้วย 'nitet doctor' แล้วลองใหม่") from exc


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
    """Writes sources into the target inside the caller's transaction, keeping score in ``result``."""

    def __init__(self, conn: sqlite3.Connection, result: ApplyResult):
        self.conn = conn
        self.result = result
        self.supervisor_ids = {r["uuid"]: r["id"] for r in conn.execute("SELECT id, uuid FROM supervisors")}

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
        newer = _newer(s["updated_at"], row["updated_at"])
        self.result.conflicts.append(Conflict("supervisor", s["uuid"], s["name"], source, differ, "source" if newer else "target"))
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
        self.result.conflicts.append(Conflict("school", s["code"], s["name"], source, differ, "source" if newer else "target"))
        if newer:
            self.conn.execute(
                "UPDATE schools SET name = ?, school_group = ?, district = ?, updated_at = ? WHERE code = ?",
                (s["name"], s["group"], s["district"], s["updated_at"], s["code"]),
            )
            self.result.schools_updated += 1

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
            "standards": sorted(r[0] for r in self.conn.execute("SELECT standard_id FROM activity_standards WHERE activity_id = ?", (row["id"],))),
            "schools": sorted(r[0] for r in self.conn.execute("SELECT school_code FROM activity_schools WHERE activity_id = ?", (row["id"],))),
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

    def activity(self, a: dict, source: str, names: dict[str, str]) -> None:
        count = self._count(a["supervisor"], names)
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
        self.result.conflicts.append(Conflict("activity", a["uuid"], a["title"], source, differ, "source" if newer else "target"))
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
        self.conn.execute(
            f"DELETE FROM evidence WHERE activity_id = ? AND uuid NOT IN ({', '.join('?' for _ in keep) or 'NULL'})",
            (row["id"], *keep),
        )
        self._links(row["id"], a)
        self.result.activities_updated += 1
        count.updated += 1

    def _links(self, activity_id: int, a: dict) -> None:
        self.conn.executemany(
            "INSERT INTO activity_standards (activity_id, standard_id) VALUES (?, ?)", [(activity_id, s) for s in a["standards"]]
        )
        self.conn.executemany(
            "INSERT INTO activity_schools (activity_id, school_code) VALUES (?, ?)", [(activity_id, c) for c in a["schools"]]
        )
        for e in a["evidence"]:
            existed = self.conn.execute("SELECT 1 FROM evidence WHERE uuid = ?", (e["uuid"],)).fetchone() is not None
            self.conn.execute(
                f"INSERT INTO evidence (uuid, activity_id, {', '.join(EVIDENCE_FIELDS)}, created_at)"
                f" VALUES (?, ?, {', '.join('?' for _ in EVIDENCE_FIELDS)}, ?)"
                " ON CONFLICT(uuid) DO UPDATE SET activity_id = excluded.activity_id, kind = excluded.kind,"
                " sha256 = excluded.sha256, original_name = excluded.original_name, media_type = excluded.media_type,"
                " size = excluded.size, url = excluded.url, caption = excluded.caption",
                (e["uuid"], activity_id, *(e[k] for k in EVIDENCE_FIELDS), e["created_at"]),
            )
            if not existed:
                self.result.evidence_added += 1


def apply_sources(
    conn: sqlite3.Connection,
    sources: list[Source],
    result: ApplyResult | None = None,
    on_progress: Progress | None = None,
) -> ApplyResult:
    """Write every source into ``conn``; call inside ONE transaction, after check_references and store_files."""
    result = result or ApplyResult()
    applier = _Applier(conn, result)
    total = sum(len(s.data["activities"]) for s in sources)
    done = 0
    for source in sources:
        result.sources.append(source.label)
        names = {s["uuid"]: s["name"] for s in source.data["supervisors"]}
        for s in source.data["supervisors"]:
            applier.supervisor(s, source.label)
        for s in source.data["schools"]:
            applier.school(s, source.label)
        for a in source.data["activities"]:
            applier.activity(a, source.label, names)
            done += 1
            if on_progress and (done % 50 == 0 or done == total):
                on_progress("รวมกิจกรรม", done, total)
    for key, count in result.per_supervisor.items():
        row = conn.execute(
            "SELECT s.name, count(a.id) FROM supervisors s LEFT JOIN activities a ON a.supervisor_id = s.id WHERE s.uuid = ? GROUP BY s.id",
            (key,),
        ).fetchone()
        if row is not None:
            count.name, count.total = row[0], row[1]
    return result


def import_export(
    conn: sqlite3.Connection, db_path: Path, file: Path, on_progress: Progress | None = None
) -> ApplyResult:
    """``nitet import FILE``: an export (.json or .zip) into the database; all or nothing."""
    from nitet_cli.db import transaction
    from nitet_cli.evidence_store import Staging

    with tempfile.TemporaryDirectory(prefix="nitet-import-") as work:
        source = read_export(file, Path(work))
        with damaged_database_says_so(db_path):
            check_references(conn, [source])
            files = plan_files(conn, db_path, [source], on_progress)
        result = ApplyResult()
        with Staging(conn, db_path) as staging:
            result.files_copied = store_files(staging, files, on_progress)
            with written_or_undone(conn, db_path):
                with transaction(conn):
                    place_files(staging, [source], files)
                    apply_sources(conn, [source], result, on_progress)
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
    on_progress: Progress | None = None,
) -> dict:
    """``nitet export``: returns what was written (path, counts); with ``out=None`` the bytes are returned under 'data'."""
    if what not in ("activities", "schools"):
        raise InputError(f"--what '{what}' ไม่มี — เลือก activities หรือ schools")
    if school and conn.execute("SELECT 1 FROM schools WHERE code = ?", (school,)).fetchone() is None:
        from nitet_cli.schools import resolve_school

        school = resolve_school(conn, school).code
    if standard and conn.execute("SELECT 1 FROM standards WHERE id = ?", (standard,)).fetchone() is None:
        from nitet_cli.activities import check_standards

        check_standards(conn, [standard])
    data = collect(conn, school=school, standard=standard)
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
    if out is None:
        return {**summary, "output": None, "data": export_bytes(data, fmt, what)}
    return {**summary, "output": str(write_export(data, out, fmt, what))}
