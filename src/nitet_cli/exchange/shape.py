"""The exchange shape, checked: what an export file (or a database read for a merge) must hold.

``check_export`` reads the data a file gives, refuses the first thing wrong with one sentence
naming the field (``activities[3].date``), and returns a cleaned copy: texts cleaned as the
recording commands clean them, UUIDs in their canonical form, defaults filled in. The shape
itself is described in :mod:`nitet_cli.exchange`.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from nitet_cli.clock import now_iso
from nitet_cli.db import SQLITE_MAX_INT
from nitet_cli.errors import InputError
from nitet_cli.follow_ups import DONE, NOT_DONE, OPEN, PARTLY
from nitet_cli.profile import ENDORSER_FIELDS, PROFILE_FIELDS  # optional in a file: the endorser (m012)
from nitet_cli.text import clean_text

FORMAT = "nitet-export"
VERSION = 2
DELETION_FIELDS = ("uuid", "kind", "deleted_at", "deleted_by", "activity")
FOLLOW_UP_FIELDS = ("school", "text", "given_on", "check_by", "status", "result", "closed_on")
FOLLOW_UP_STATUSES = (OPEN, DONE, PARTLY, NOT_DONE)
SHA_RE = re.compile(r"^[0-9a-f]{64}$")


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


def _by_uuid(parent: dict, key: str, prefix: str, seen: set[str], earlier: str) -> Iterator[tuple[str, dict, str]]:
    """Each object of the list ``parent[key]``: where it is (``activities[3]``), the object and
    its UUID, refused when the UUID is in ``seen`` (``earlier``: what the earlier one was, in Thai)."""
    for i, raw in enumerate(_list(parent, key, prefix)):
        where = f"{prefix}{key}[{i}]"
        item = _obj(raw, where)
        uuid = _uuid(item, "uuid", where)
        if uuid in seen:
            raise _fail(f"{where}.uuid", f"{uuid} ซ้ำกับ{earlier}ก่อนหน้า")
        seen.add(uuid)
        yield where, item, uuid


def check_export(data: Any) -> dict:
    """Check an export's shape; returns a cleaned copy. The error names the first wrong field, e.g. ``activities[3].date``."""
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
    stamp = _timestamp(top, "exported_at", "exported_at", now_iso())

    people: set[str] = set()
    supervisors = [
        _check_supervisor(item, where, uuid, stamp)
        for where, item, uuid in _by_uuid(top, "supervisors", "", people, "รายการ")
    ]
    owner = None if top.get("owner") is None else _uuid(top, "owner", "")
    if owner is not None and owner not in people:
        raise _fail("owner", f"{owner} ไม่อยู่ในรายการ supervisors ของไฟล์")

    schools, codes = [], set()
    for i, raw in enumerate(_list(top, "schools", "")):
        schools.append(_check_school(raw, f"schools[{i}]", codes, stamp))

    activity_uuids: set[str] = set()
    evidence_uuids: set[str] = set()
    activities = [
        _check_activity(item, where, uuid, people, evidence_uuids, stamp)
        for where, item, uuid in _by_uuid(top, "activities", "", activity_uuids, "กิจกรรม")
    ]
    later = top if version >= 2 else {}  # version 1 had no deletions and no follow-ups
    in_file = activity_uuids | evidence_uuids
    deletions = [
        _check_deletion(item, where, uuid, in_file, stamp)
        for where, item, uuid in _by_uuid(later, "deletions", "", set(), "รายการลบ")
    ]
    schools_of = {a["uuid"]: a["schools"] for a in activities}
    follow_ups = [
        _check_follow_up(item, where, uuid, schools_of, stamp)
        for where, item, uuid in _by_uuid(later, "follow_ups", "", set(), "ข้อเสนอแนะ")
    ]
    terms, seen_terms = [], set()
    for i, raw in enumerate(_list(top, "terms", "")):
        terms.append(_check_term(raw, f"terms[{i}]", seen_terms))
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


def _check_supervisor(item: dict, where: str, uuid: str, stamp: str) -> dict:
    s = {"uuid": uuid}
    # Profile texts are kept as the manual loader keeps them (newlines allowed).
    s["name"] = _str(item, "name", where, required=True)
    for key in (*PROFILE_FIELDS[1:], *ENDORSER_FIELDS):
        s[key] = _str(item, key, where)
    s["updated_at"] = _timestamp(item, "updated_at", where, stamp)
    return s


def _check_school(raw: Any, where: str, codes: set[str], stamp: str) -> dict:
    item = _obj(raw, where)
    code = _school_code(_str(item, "code", where, required=True, multiline=False), f"{where}.code")
    if code in codes:
        raise _fail(f"{where}.code", f"รหัส {code} ซ้ำกับรายการก่อนหน้า")
    codes.add(code)
    return {
        "code": code,
        "name": _str(item, "name", where, required=True, multiline=False),
        "group": _str(item, "group", where, multiline=False),
        "district": _str(item, "district", where, multiline=False),
        "updated_at": _timestamp(item, "updated_at", where, stamp),
    }


def _school_code(value: str, where: str) -> str:
    """A school code cleaned as 'nitet school import' cleans it (Thai digits, invisible characters)."""
    from nitet_cli.schools import bad_school_code, clean_school_code

    code = clean_school_code(value)
    if (why := bad_school_code(code)) is not None:
        raise _fail(where, why)
    return code


def _codes(item: dict, key: str, where: str, example: str, what: str, *, schools: bool = False) -> list[str]:
    """A list of codes (standards, or with ``schools`` school codes, cleaned as :func:`_school_code`),
    each a non-empty text, kept once each in order."""
    codes: list[str] = []
    for j, code in enumerate(_list(item, key, where + ".")):
        if not isinstance(code, str) or not code.strip():
            raise _fail(f"{where}.{key}[{j}]", f'ต้องเป็น{what} เช่น "{example}" ไม่ใช่ {code!r}')
        code = _school_code(code, f"{where}.{key}[{j}]") if schools else code.strip()
        if code not in codes:
            codes.append(code)
    return codes


def _check_activity(
    item: dict, where: str, uuid: str, people: set[str], evidence_uuids: set[str], stamp: str
) -> dict[str, Any]:
    from nitet_cli.activities import KINDS, MODES

    a: dict[str, Any] = {"uuid": uuid}
    if item.get("supervisor") is None:
        a["supervisor"] = None
    else:
        a["supervisor"] = _uuid(item, "supervisor", where)
        if a["supervisor"] not in people:
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
    a["standards"] = _codes(item, "standards", where, "7.3", "รหัสมาตรฐาน")
    if not a["standards"]:  # as 'nitet log' refuses an entry without a standard
        raise _fail(f"{where}.standards", 'ว่าง — กิจกรรมต้องมีมาตรฐานอย่างน้อย ๑ รายการ เช่น ["7.3"]')
    a["schools"] = _codes(item, "schools", where, "57010001", "รหัสโรงเรียน", schools=True)
    a["evidence"] = [
        _check_evidence(e_item, ew, e_uuid, stamp)
        for ew, e_item, e_uuid in _by_uuid(item, "evidence", where + ".", evidence_uuids, "หลักฐาน")
    ]
    a["created_at"] = _timestamp(item, "created_at", where, stamp)
    a["updated_at"] = _timestamp(item, "updated_at", where, a["created_at"])
    return a


def _check_evidence(item: dict, where: str, uuid: str, stamp: str) -> dict[str, Any]:
    e: dict[str, Any] = {"uuid": uuid, "kind": _str(item, "kind", where, required=True, multiline=False)}
    e.update({"sha256": None, "original_name": None, "media_type": None, "size": None, "url": None})
    if e["kind"] == "file":
        sha = _str(item, "sha256", where, required=True, multiline=False).lower()
        if not SHA_RE.match(sha):
            raise _fail(f"{where}.sha256", "ต้องเป็น SHA-256 ฐานสิบหก ๖๔ ตัว")
        e["sha256"] = sha
        e["original_name"] = _str(item, "original_name", where, multiline=False) or None
        e["media_type"] = _str(item, "media_type", where, multiline=False) or None
        e["size"] = _int(item, "size", where)
    elif e["kind"] == "link":
        url = _str(item, "url", where, required=True, multiline=False)
        if not re.match(r"^https?://[^\s/]+", url):
            raise _fail(f"{where}.url", f"'{url}' ไม่ใช่ลิงก์ http(s)://…")
        e["url"] = url
    else:
        raise _fail(f"{where}.kind", f'ต้องเป็น "file" หรือ "link" ไม่ใช่ {e["kind"]!r}')
    e["caption"] = _str(item, "caption", where, multiline=False)
    e["created_at"] = _timestamp(item, "created_at", where, stamp)
    return e


def _check_deletion(item: dict, where: str, uuid: str, in_file: set[str], stamp: str) -> dict[str, Any]:
    """A deletion of an entry or a piece of evidence that is not itself in the file."""
    if uuid in in_file:
        raise _fail(f"{where}.uuid", f"{uuid} ทั้งถูกลบและยังอยู่ในไฟล์เดียวกัน — ส่งออกใหม่จากต้นทาง")
    d: dict[str, Any] = {"uuid": uuid, "kind": _str(item, "kind", where, required=True, multiline=False)}
    if d["kind"] not in ("activity", "evidence"):
        raise _fail(f"{where}.kind", f'ต้องเป็น "activity" หรือ "evidence" ไม่ใช่ {d["kind"]!r}')
    if item.get("deleted_at") is None:
        raise _fail(f"{where}.deleted_at", "ไม่มีค่านี้ (ต้องมี) — วันเวลาที่ลบแบบ ISO เช่น 2026-11-24T09:00:00+00:00")
    d["deleted_at"] = _timestamp(item, "deleted_at", where, stamp)
    d["deleted_by"] = None if item.get("deleted_by") is None else _uuid(item, "deleted_by", where)
    d["activity"] = _uuid(item, "activity", where) if d["kind"] == "evidence" else None
    return d


def _check_follow_up(item: dict, where: str, uuid: str, schools_of: dict[str, list[str]], stamp: str) -> dict:
    """One follow-up of an export: of an entry in the file and one of that entry's schools, its
    dates in order, closed (with a closing date) unless open."""
    f: dict[str, Any] = {"uuid": uuid, "activity": _uuid(item, "activity", where)}
    if f["activity"] not in schools_of:
        raise _fail(f"{where}.activity", f"{f['activity']} ไม่อยู่ในรายการ activities ของไฟล์")
    f["school"] = _school_code(_str(item, "school", where, required=True, multiline=False), f"{where}.school")
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


def _check_term(raw: Any, where: str, seen: set[tuple[int, int]]) -> dict:
    """An announced term: its year (BE) and number once each, its dates those ``nitet term set`` takes."""
    from nitet_cli.terms import check_term_dates

    item = _obj(raw, where)
    year, number = _int(item, "year", where), _int(item, "term", where)
    if number not in (1, 2):
        raise _fail(f"{where}.term", f"ต้องเป็น 1 หรือ 2 ไม่ใช่ {item.get('term')!r}")
    if year is None or not 2400 < year < 2700:
        raise _fail(f"{where}.year", f"ต้องเป็นปีการศึกษา พ.ศ. เช่น 2569 ไม่ใช่ {item.get('year')!r}")
    if (year, number) in seen:
        raise _fail(where, f"ภาคเรียน {number}/{year} ซ้ำกับรายการก่อนหน้า")
    seen.add((year, number))
    t = {"year": year, "term": number, "start": _date(item, "start", where), "end": _date(item, "end", where)}
    try:
        check_term_dates(year, number, date.fromisoformat(t["start"]), date.fromisoformat(t["end"]))
    except InputError as exc:
        raise _fail(where, exc.message) from None
    return t
