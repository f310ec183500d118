"""Recording work: activities (visits, meetings, trainings, …) with their evidence.

``add_activity`` checks everything first (standards, schools, evidence files, text),
copies evidence files into the store, then writes the entry, its links and its
evidence rows in one transaction: no entry without the evidence it was given.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

from nitet_cli.clock import now_iso
from nitet_cli.db import transaction
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.evidence_store import check_readable, store_file
from nitet_cli.text import clean_text, nearest

KINDS = {
    "visit": "นิเทศโรงเรียน",
    "meeting": "ประชุม",
    "training": "อบรม",
    "report": "จัดทำรายงาน",
    "media": "พัฒนาสื่อ/นวัตกรรม",
    "website": "ปรับปรุงเว็บไซต์",
    "research": "ศึกษา/วิจัย",
    "other": "อื่น ๆ",
}
MODES = {"onsite": "ลงพื้นที่", "online": "ออนไลน์", "hybrid": "ผสมผสาน"}


@dataclass
class EvidenceInput:
    """A file path or a URL, with a caption."""

    path: Path | None = None
    url: str | None = None
    caption: str = ""


@dataclass
class NewActivity:
    date: date
    title: str
    standards: list[str]
    schools: list[str] = field(default_factory=list)  # school codes, already resolved
    kind: str = "visit"
    mode: str = "onsite"
    findings: str = ""
    suggestions: str = ""
    participants: str = ""
    teachers: int | None = None
    evidence: list[EvidenceInput] = field(default_factory=list)
    uuid: str | None = None


def check_url(url: str) -> str:
    url = clean_text(url, multiline=False) or ""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InputError(f"ลิงก์ '{url}' ไม่ถูกต้อง — ต้องขึ้นต้นด้วย https:// หรือ http:// เช่น https://drive.google.com/…")
    return url


def check_standards(conn: sqlite3.Connection, ids: list[str]) -> list[str]:
    if not ids:
        raise InputError("ไม่ได้ระบุมาตรฐาน — ระบุอย่างน้อย ๑ รายการ เช่น 7.3 (ดูด้วย 'nitet manual show')")
    rows = {r["id"]: r["retired_at"] for r in conn.execute("SELECT id, retired_at FROM standards")}
    if not rows:
        raise NotFoundError("ยังไม่มีคู่มือในฐานข้อมูล — โหลดด้วย 'nitet init' ก่อนบันทึกกิจกรรม")
    result: list[str] = []
    for raw in ids:
        sid = clean_text(raw, multiline=False) or ""
        if sid not in rows:
            close = nearest(sid, [k for k, v in rows.items() if v is None])
            hint = f"ใกล้เคียง: {', '.join(close)}" if close else "ดูรายการด้วย 'nitet manual show'"
            raise NotFoundError(f"ไม่มีมาตรฐาน '{sid}' ในคู่มือ — {hint}")
        if rows[sid] is not None:
            raise InputError(f"มาตรฐาน {sid} ถูกยกเลิกจากคู่มือแล้ว — เลือกมาตรฐานที่ยังใช้อยู่ ('nitet manual show')")
        if sid not in result:
            result.append(sid)
    return result


def check_schools(conn: sqlite3.Connection, codes: list[str]) -> list[str]:
    result: list[str] = []
    for code in codes:
        if conn.execute("SELECT 1 FROM schools WHERE code = ?", (code,)).fetchone() is None:
            raise NotFoundError(f"ไม่พบโรงเรียนรหัส {code} — ดูรายชื่อด้วย 'nitet school list'")
        if code not in result:
            result.append(code)
    return result


def check_activity_fields(new: NewActivity) -> NewActivity:
    new.title = clean_text(new.title, multiline=False) or ""
    if not new.title:
        raise InputError("ชื่อกิจกรรมว่าง — ใส่ --title เช่น \"นิเทศการจัดการเรียนรู้ภาษาอังกฤษ\"")
    if new.kind not in KINDS:
        raise InputError(f"ประเภทกิจกรรม '{new.kind}' ไม่มี — เลือก: {', '.join(KINDS)}")
    if new.mode not in MODES:
        raise InputError(f"รูปแบบ '{new.mode}' ไม่มี — เลือก: {', '.join(MODES)}")
    if new.teachers is not None and new.teachers < 0:
        raise InputError(f"จำนวนครูต้องไม่ติดลบ ไม่ใช่ {new.teachers}")
    new.findings = clean_text(new.findings) or ""
    new.suggestions = clean_text(new.suggestions) or ""
    new.participants = clean_text(new.participants) or ""
    for item in new.evidence:
        item.caption = clean_text(item.caption, multiline=False) or ""
        if item.url is not None:
            item.url = check_url(item.url)
        elif item.path is not None:
            item.path = check_readable(item.path)
        else:
            raise InputError("หลักฐานต้องเป็นไฟล์หรือลิงก์")
    return new


def insert_evidence(conn: sqlite3.Connection, db_path: Path, activity_id: int, items: list[EvidenceInput], stored: dict) -> list[int]:
    """Evidence rows for files already in the store (``stored`` maps path → StoredFile) and links."""
    ids = []
    now = now_iso()
    for item in items:
        if item.url is not None:
            cur = conn.execute(
                "INSERT INTO evidence (uuid, activity_id, kind, url, caption, created_at) VALUES (?, ?, 'link', ?, ?, ?)",
                (str(uuid.uuid4()), activity_id, item.url, item.caption, now),
            )
        else:
            f = stored[item.path]
            cur = conn.execute(
                "INSERT INTO evidence (uuid, activity_id, kind, sha256, original_name, media_type, size, caption, created_at)"
                " VALUES (?, ?, 'file', ?, ?, ?, ?, ?, ?)",
                (str(uuid.uuid4()), activity_id, f.sha256, clean_text(f.original_name, multiline=False), f.media_type, f.size, item.caption, now),
            )
        ids.append(cur.lastrowid)
    return ids


def store_evidence_files(db_path: Path, items: list[EvidenceInput]) -> dict:
    return {item.path: store_file(db_path, item.path) for item in items if item.path is not None}


def self_supervisor_id(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT id FROM supervisors WHERE is_self = 1").fetchone()
    return row[0] if row else None


def add_activity(conn: sqlite3.Connection, db_path: Path, new: NewActivity) -> int:
    """Record ``new``; returns its id. Nothing is written when anything is wrong."""
    new = check_activity_fields(new)
    new.standards = check_standards(conn, new.standards)
    new.schools = check_schools(conn, new.schools)
    stored = store_evidence_files(db_path, new.evidence)
    now = now_iso()
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO activities (uuid, supervisor_id, date, kind, mode, title, findings, suggestions, participants,"
            " teachers, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.uuid or str(uuid.uuid4()),
                self_supervisor_id(conn),
                new.date.isoformat(),
                new.kind,
                new.mode,
                new.title,
                new.findings,
                new.suggestions,
                new.participants,
                new.teachers,
                now,
                now,
            ),
        )
        activity_id = cur.lastrowid
        conn.executemany(
            "INSERT INTO activity_standards (activity_id, standard_id) VALUES (?, ?)",
            [(activity_id, s) for s in new.standards],
        )
        conn.executemany(
            "INSERT INTO activity_schools (activity_id, school_code) VALUES (?, ?)",
            [(activity_id, c) for c in new.schools],
        )
        insert_evidence(conn, db_path, activity_id, new.evidence, stored)
    return activity_id


def get_activity(conn: sqlite3.Connection, activity_id: int) -> dict:
    """One entry with its standards, schools and evidence, as plain data."""
    row = conn.execute(
        "SELECT a.*, s.name AS supervisor FROM activities a LEFT JOIN supervisors s ON s.id = a.supervisor_id WHERE a.id = ?",
        (activity_id,),
    ).fetchone()
    if row is None:
        raise NotFoundError(f"ไม่มีรายการที่ {activity_id} — ดูรายการด้วย 'nitet list'")
    entry = {k: row[k] for k in row.keys()}
    entry["standards"] = [
        r[0] for r in conn.execute("SELECT standard_id FROM activity_standards WHERE activity_id = ? ORDER BY standard_id", (activity_id,))
    ]
    entry["schools"] = [
        {"code": r["code"], "name": r["name"], "group": r["school_group"]}
        for r in conn.execute(
            "SELECT s.code, s.name, s.school_group FROM activity_schools x JOIN schools s ON s.code = x.school_code"
            " WHERE x.activity_id = ? ORDER BY s.name",
            (activity_id,),
        )
    ]
    entry["evidence"] = [
        {k: r[k] for k in ("id", "uuid", "kind", "sha256", "original_name", "media_type", "size", "url", "caption")}
        for r in conn.execute("SELECT * FROM evidence WHERE activity_id = ? ORDER BY id", (activity_id,))
    ]
    return entry
