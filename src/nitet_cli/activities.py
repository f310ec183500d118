"""Recording and reading work: activities (visits, meetings, trainings, …) with their evidence.

Changing an entry that exists (edit, delete, evidence add/remove) is ``editing``'s concern,
so that recording (``log-visit``) does not import it.

``add_activity`` checks everything first (standards, schools, evidence files, text),
copies evidence files into the store under temporary names, then, in one transaction,
gives them their hash names and writes the entry, its links and its evidence rows: no
entry without the evidence it was given (see ``evidence_store`` for why the names are
given inside the transaction).
"""

from __future__ import annotations

import contextlib
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlparse

from nitet_cli.activity_rows import ActivityRow, EvidenceRow, write_activity
from nitet_cli.clock import now_iso
from nitet_cli.db import transaction
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.text import clean_text, nearest
from nitet_cli.thai import to_arabic_digits

if TYPE_CHECKING:
    from nitet_cli.evidence_store import Staging

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


# EvidenceInput and NewActivity are named tuples, not dataclasses, for the start-up of
# ``log-visit`` (see activity_rows.py): checking one gives a new one (``_replace``), nothing is
# changed in place, and the lists they hold by default are empty tuples.


class EvidenceInput(NamedTuple):
    """A file path or a URL, with a caption."""

    path: Path | None = None
    url: str | None = None
    caption: str = ""


class NewActivity(NamedTuple):
    date: date
    title: str
    standards: Sequence[str]
    schools: Sequence[str] = ()  # school codes, already resolved
    kind: str = "visit"
    mode: str = "onsite"
    findings: str = ""
    suggestions: str = ""
    participants: str = ""
    teachers: int | None = None
    evidence: Sequence[EvidenceInput] = ()
    uuid: str | None = None
    # Follow-ups (follow_ups.py): suggestions to check later, one item per text and school;
    # due on check_by, or at the next visit when None. closures: open items of these
    # schools checked at this visit, closed in the same transaction.
    follow_ups: Sequence[str] = ()
    check_by: date | None = None
    closures: Sequence = ()  # follow_ups.Closure

    def row(self, *, uuid: str, supervisor_id: int | None, created_at: str, updated_at: str) -> ActivityRow:
        """This entry's ``activities`` row (its fields checked by ``check_activity_fields``)."""
        return ActivityRow(
            uuid=uuid,
            supervisor_id=supervisor_id,
            date=self.date.isoformat(),
            kind=self.kind,
            mode=self.mode,
            title=self.title,
            findings=self.findings,
            suggestions=self.suggestions,
            participants=self.participants,
            teachers=self.teachers,
            created_at=created_at,
            updated_at=updated_at,
        )


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
        sid = to_arabic_digits(clean_text(raw, multiline=False) or "")
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
    """``new`` with its texts cleaned and its evidence checked (files readable, links well formed)."""
    title = clean_text(new.title, multiline=False) or ""
    if not title:
        raise InputError('ชื่อกิจกรรมว่าง — ใส่ --title เช่น "นิเทศการจัดการเรียนรู้ภาษาอังกฤษ"')
    if new.kind not in KINDS:
        raise InputError(f"ประเภทกิจกรรม (--kind) '{new.kind}' ไม่มี — เลือก: {', '.join(KINDS)}")
    if new.mode not in MODES:
        raise InputError(f"รูปแบบ (--mode) '{new.mode}' ไม่มี — เลือก: {', '.join(MODES)}")
    if new.teachers is not None and new.teachers < 0:
        raise InputError(f"จำนวนครูต้องไม่ติดลบ ไม่ใช่ {new.teachers}")
    return new._replace(
        title=title,
        findings=clean_text(new.findings) or "",
        suggestions=clean_text(new.suggestions) or "",
        participants=clean_text(new.participants) or "",
        evidence=[_checked_evidence(item) for item in new.evidence],
    )


def _checked_evidence(item: EvidenceInput) -> EvidenceInput:
    caption = clean_text(item.caption, multiline=False) or ""
    if item.url is not None:
        return item._replace(url=check_url(item.url), caption=caption)
    if item.path is not None:
        from nitet_cli.evidence_store import check_readable

        return item._replace(path=check_readable(item.path), caption=caption)
    raise InputError("หลักฐานต้องเป็นไฟล์หรือลิงก์")


def evidence_rows(items: list[EvidenceInput], stored: dict) -> list[EvidenceRow]:
    """The rows of new evidence: links, and files already in the store (``stored`` maps path → StoredFile)."""
    rows = []
    now = now_iso()
    for item in items:
        if item.url is not None:
            rows.append(EvidenceRow(str(uuid.uuid4()), "link", url=item.url, caption=item.caption, created_at=now))
        else:
            f = stored[item.path]
            rows.append(
                EvidenceRow(
                    str(uuid.uuid4()),
                    "file",
                    sha256=f.sha256,
                    original_name=clean_text(f.original_name, multiline=False),
                    media_type=f.media_type,
                    size=f.size,
                    caption=item.caption,
                    created_at=now,
                )
            )
    return rows


def store_evidence_files(staging: Staging, items: list[EvidenceInput]) -> dict:
    """Copy the files among ``items`` into the store (placed later, inside the transaction)."""
    from nitet_cli.evidence_store import check_not_own_files

    check_not_own_files(staging.db_path, [item.path for item in items if item.path is not None])
    return {item.path: staging.add(item.path) for item in items if item.path is not None}


def self_supervisor_id(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT id FROM supervisors WHERE is_self = 1").fetchone()
    return row[0] if row else None


def add_activity(
    conn: sqlite3.Connection,
    db_path: Path,
    new: NewActivity,
    *,
    check_date: bool = False,
    allow_future: bool = False,
) -> int:
    """Record ``new``; returns its id. Nothing is written when anything is wrong.

    With ``check_date`` (what the recording commands use) a date in the future (unless
    ``allow_future``) or before the manual's year is refused; importers and merges,
    which copy entries already made, leave it off.
    """
    return record_activity(conn, db_path, new, check_date=check_date, allow_future=allow_future)[0]


def record_activity(
    conn: sqlite3.Connection,
    db_path: Path,
    new: NewActivity,
    *,
    check_date: bool = False,
    allow_future: bool = False,
) -> tuple[int, NewActivity]:
    """:func:`add_activity`, with the entry as recorded: ``new`` checked and cleaned (standards as
    stored, ``๗.๒`` as ``7.2``, each once; schools and follow-up texts each once), for what the
    command then says about it (``new`` itself is a named tuple, never changed)."""
    from nitet_cli import follow_ups

    new = check_activity_fields(new)
    new = new._replace(standards=check_standards(conn, new.standards), schools=check_schools(conn, new.schools))
    if check_date:
        check_entry_date(conn, new.date, allow_future=allow_future)
    new = new._replace(follow_ups=follow_ups.check_texts(new.follow_ups))
    if new.check_by is not None and not new.follow_ups:
        raise InputError('--check-by ใช้กับ --follow-up เท่านั้น — ใส่ข้อเสนอแนะที่ต้องติดตามด้วย --follow-up "…"')
    follow_ups.check_check_by(new.check_by, new.date)
    if new.follow_ups and not new.schools:
        raise InputError("ข้อเสนอแนะที่ต้องติดตามต้องเป็นของโรงเรียน — ใส่ --school ของการนิเทศนี้")
    new = new._replace(closures=follow_ups.check_closures(conn, new.closures, schools=new.schools, on=new.date))
    with _staging(conn, db_path, new.evidence) as staging:
        stored = store_evidence_files(staging, new.evidence) if staging is not None else {}
        with transaction(conn):
            if staging is not None:
                staging.place()
            activity_id = _insert_activity(conn, new, stored)
            follow_ups.insert_follow_ups(conn, activity_id, new.schools, new.follow_ups, new.date, new.check_by)
            follow_ups.apply_closures(conn, new.closures, new.date)
    return activity_id, new


def _staging(conn: sqlite3.Connection, db_path: Path, items: list[EvidenceInput]):
    """The store's :class:`~nitet_cli.evidence_store.Staging` when ``items`` hold files; an entry
    with none (most visits) needs no store, and does not load it (start-up of ``log-visit``)."""
    if not any(item.path is not None for item in items):
        return contextlib.nullcontext()
    from nitet_cli.evidence_store import Staging

    return Staging(conn, db_path)


def _insert_activity(conn: sqlite3.Connection, new: NewActivity, stored: dict) -> int:
    now = now_iso()
    row = new.row(
        uuid=new.uuid or str(uuid.uuid4()), supervisor_id=self_supervisor_id(conn), created_at=now, updated_at=now
    )
    evidence = evidence_rows(new.evidence, stored)
    return write_activity(conn, row, standards=new.standards, schools=new.schools, evidence=evidence).id


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
        r[0]
        for r in conn.execute(
            "SELECT standard_id FROM activity_standards WHERE activity_id = ? ORDER BY standard_id", (activity_id,)
        )
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


# --- dates an entry may have -------------------------------------------------------------


def manual_year(conn: sqlite3.Connection, today: date) -> int:
    """The Buddhist Era academic year the manual starts counting from.

    A manual that names its year (``manual_meta`` key ``year``, e.g. 2569) gives it;
    otherwise the manual is the one in force now, and entries may still be written
    for the academic year before the current one (to finish last year's records).
    """
    from nitet_cli.terms import current_term

    row = conn.execute("SELECT value FROM manual_meta WHERE key = 'year'").fetchone()
    if row is not None:
        try:
            return int(row[0])
        except (TypeError, ValueError):
            pass
    return current_term(conn, today).year - 1


def earliest_entry_date(conn: sqlite3.Connection, today: date) -> date:
    from nitet_cli.terms import get_term

    return get_term(conn, manual_year(conn, today), 1).start


def check_entry_date(
    conn: sqlite3.Connection, day: date, *, today: date | None = None, allow_future: bool = False
) -> date:
    """Refuse a date before the manual's year, or after today unless ``allow_future``."""
    from nitet_cli.clock import today as clock_today
    from nitet_cli.thai import be_date

    today = today or clock_today()
    if day > today and not allow_future:
        raise InputError(
            f"วันที่ {be_date(day)} อยู่ในอนาคต (วันนี้ {be_date(today)}) — ตรวจวันที่ หรือใส่ --allow-future ถ้าตั้งใจบันทึกล่วงหน้า"
        )
    earliest = earliest_entry_date(conn, today)
    if day < earliest:
        raise InputError(
            f"วันที่ {be_date(day)} อยู่ก่อนปีการศึกษา {manual_year(conn, today)} ของคู่มือ"
            f" (เริ่ม {be_date(earliest)}) — ตรวจปี พ.ศ./ค.ศ. ของวันที่อีกครั้ง"
        )
    return day


# --- standards a visit counts for ---------------------------------------------------------


def active_standards(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(id, activity text) of every standard in force, in manual order: the choices to show."""
    return [
        (r["id"], r["activity"])
        for r in conn.execute(
            "SELECT id, activity FROM standards WHERE retired_at IS NULL ORDER BY position, duty_number, step"
        )
    ]


def visit_standards_for(conn: sqlite3.Connection, school_codes: list[str]) -> list[str]:
    """The standards a visit to these schools counts for, from the targets in the manual.

    For each school: the standards whose ``target.school_groups`` names its group (a school
    of group บ้านคู่ → 7.3); when none names it, the standards whose target covers every
    school of the office (``school_groups: []``, 6.3). A visit to several schools links the
    standards of them all, so each school gets credit for its own targets (a บ้านคู่ school
    and a school of another group → 7.3 and 6.3). In manual order; empty when the manual
    has no target for any of them.
    """
    from nitet_cli.targets import target_groups, visit_target

    if not school_codes:
        return []
    marks = ", ".join("?" for _ in school_codes)
    groups = {
        r[0] for r in conn.execute(f"SELECT DISTINCT school_group FROM schools WHERE code IN ({marks})", school_codes)
    }
    # Each target's groups as status counts them (targets.visit_target, target_groups).
    targets = []
    for sid, raw in conn.execute(
        "SELECT id, target FROM standards WHERE retired_at IS NULL AND target IS NOT NULL"
        " ORDER BY position, duty_number, step"
    ):
        target = visit_target(raw)
        if target is not None:
            targets.append((sid, target_groups(target)))
    wanted = set()
    for group in groups:
        specific = [sid for sid, named in targets if group in named]
        wanted.update(specific or (sid for sid, named in targets if not named))
    return [sid for sid, _named in targets if sid in wanted]


# --- reading entries and their evidence ---------------------------------------------------------


def evidence_dict(row, db_path: Path) -> dict:
    from nitet_cli.evidence_store import stored_path

    item = {
        k: row[k]
        for k in (
            "id",
            "uuid",
            "activity_id",
            "kind",
            "sha256",
            "original_name",
            "media_type",
            "size",
            "url",
            "caption",
            "created_at",
        )
    }
    item["path"] = str(stored_path(db_path, row["sha256"], row["original_name"])) if row["kind"] == "file" else None
    return item


def list_evidence(conn: sqlite3.Connection, db_path: Path, activity_id: int) -> list[dict]:
    if conn.execute("SELECT 1 FROM activities WHERE id = ?", (activity_id,)).fetchone() is None:
        raise NotFoundError(f"ไม่มีรายการที่ {activity_id} — ดูรายการด้วย 'nitet list'")
    return [
        evidence_dict(r, db_path)
        for r in conn.execute("SELECT * FROM evidence WHERE activity_id = ? ORDER BY id", (activity_id,))
    ]


def get_evidence(conn: sqlite3.Connection, db_path: Path, evidence_id: int) -> dict:
    row = conn.execute("SELECT * FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"ไม่มีหลักฐานที่ {evidence_id} — ดูหมายเลขหลักฐานด้วย 'nitet evidence list ID'")
    return evidence_dict(row, db_path)


def describe_activity(conn: sqlite3.Connection, db_path: Path, activity_id: int) -> dict:
    """``get_activity`` plus what a reader wants: the term it falls in, where its files are
    stored, and the text of its standards."""
    from nitet_cli.evidence_store import stored_path
    from nitet_cli.terms import term_of

    entry = get_activity(conn, activity_id)
    term = term_of(conn, date.fromisoformat(entry["date"]))
    entry["academic_year"] = term.year if term else None
    entry["term"] = term.term if term else None
    for item in entry["evidence"]:
        item["path"] = (
            str(stored_path(db_path, item["sha256"], item["original_name"])) if item["kind"] == "file" else None
        )
    marks = ", ".join("?" for _ in entry["standards"])
    texts = (
        dict(conn.execute(f"SELECT id, activity FROM standards WHERE id IN ({marks})", entry["standards"]).fetchall())
        if marks
        else {}
    )
    entry["standard_texts"] = {sid: texts.get(sid, "") for sid in entry["standards"]}
    from nitet_cli.follow_ups import list_follow_ups

    entry["follow_ups"] = list_follow_ups(conn, which="all", activity_id=activity_id)
    return entry
