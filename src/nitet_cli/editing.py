"""Changing entries that exist: edit their fields, delete them, add and remove their evidence.

Every change is checked as a new entry is (``activities``' checks) and written in one
transaction; a stored file goes only once no entry uses it, decided and removed under the
write lock after the transaction has committed (see ``evidence_store``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from nitet_cli.activities import (
    EvidenceInput,
    NewActivity,
    check_activity_fields,
    check_entry_date,
    check_schools,
    check_standards,
    evidence_dict,
    evidence_rows,
    get_activity,
    store_evidence_files,
)
from nitet_cli.activity_rows import add_evidence_rows, delete_activity_rows, write_activity
from nitet_cli.clock import now_iso
from nitet_cli.db import transaction
from nitet_cli.deletions import record_activity_deleted, record_evidence_removed
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.evidence_store import Staging


@dataclass
class ActivityChanges:
    """Fields to change on an entry; None leaves a field as it is."""

    date: date | None = None
    title: str | None = None
    standards: list[str] | None = None
    schools: list[str] | None = None  # school codes, already resolved
    kind: str | None = None
    mode: str | None = None
    findings: str | None = None
    suggestions: str | None = None
    participants: str | None = None
    teachers: int | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in self.__dataclass_fields__)


def update_activity(
    conn: sqlite3.Connection,
    activity_id: int,
    changes: ActivityChanges,
    *,
    check_date: bool = True,
    allow_future: bool = False,
) -> dict:
    """Apply ``changes`` with the same checks as a new entry, in one transaction."""
    if changes.is_empty():
        raise InputError("ไม่ได้ระบุสิ่งที่จะแก้ — ใส่อย่างน้อยหนึ่งตัวเลือก เช่น --title, --date, --findings")
    current = get_activity(conn, activity_id)
    merged = NewActivity(
        date=changes.date or date.fromisoformat(current["date"]),
        title=current["title"] if changes.title is None else changes.title,
        standards=current["standards"] if changes.standards is None else changes.standards,
        schools=[s["code"] for s in current["schools"]] if changes.schools is None else changes.schools,
        kind=changes.kind or current["kind"],
        mode=changes.mode or current["mode"],
        findings=current["findings"] if changes.findings is None else changes.findings,
        suggestions=current["suggestions"] if changes.suggestions is None else changes.suggestions,
        participants=current["participants"] if changes.participants is None else changes.participants,
        teachers=current["teachers"] if changes.teachers is None else changes.teachers,
    )
    merged = check_activity_fields(merged)
    if changes.standards is not None:
        merged = merged._replace(standards=check_standards(conn, merged.standards))
    merged = merged._replace(schools=check_schools(conn, merged.schools))
    if check_date and changes.date is not None:
        check_entry_date(conn, merged.date, allow_future=allow_future)
    from nitet_cli import follow_ups

    moves = follow_ups.check_visit_change(
        conn,
        activity_id,
        new_date=merged.date,
        old_schools=[s["code"] for s in current["schools"]],
        new_schools=merged.schools,
    )
    row = merged.row(
        uuid=current["uuid"],
        supervisor_id=current["supervisor_id"],
        created_at=current["created_at"],
        updated_at=now_iso(),
    )
    with transaction(conn):
        # Whose entry it is is never changed by an edit: read under the write lock, so an
        # import that moved it meanwhile is not undone.
        owner = conn.execute("SELECT supervisor_id FROM activities WHERE id = ?", (activity_id,)).fetchone()
        if owner is None:
            raise NotFoundError(f"ไม่มีรายการที่ {activity_id} — ดูรายการด้วย 'nitet list'")
        write_activity(
            conn,
            row._replace(supervisor_id=owner[0]),
            activity_id=activity_id,
            standards=None if changes.standards is None else merged.standards,
            schools=None if changes.schools is None else merged.schools,
        )
        follow_ups.apply_visit_change(conn, activity_id, merged.date, moves)
    return get_activity(conn, activity_id)


@dataclass
class Deleted:
    id: int
    uuid: str
    title: str
    evidence_rows: int
    files_removed: int
    files_kept: int

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def delete_activity(conn: sqlite3.Connection, db_path: Path, activity_id: int) -> Deleted:
    """Remove an entry and its evidence rows in one transaction; then, once that has
    committed, the stored files that no other entry uses (decided and removed under the
    write lock, so an entry recorded meanwhile keeps its file)."""
    from nitet_cli.evidence_store import remove_unused

    with transaction(conn):
        row = conn.execute("SELECT id, uuid, title FROM activities WHERE id = ?", (activity_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"ไม่มีรายการที่ {activity_id} — ดูรายการด้วย 'nitet list'")
        evidence = conn.execute("SELECT count(*) FROM evidence WHERE activity_id = ?", (activity_id,)).fetchone()[0]
        record_activity_deleted(conn, activity_id)  # deletions travel (m008)
        hashes = sorted(delete_activity_rows(conn, activity_id))
    removed = len(remove_unused(conn, db_path, hashes))
    return Deleted(row["id"], row["uuid"], row["title"], evidence, removed, len(hashes) - removed)


# --- evidence of an existing entry -------------------------------------------------------------


def add_evidence(conn: sqlite3.Connection, db_path: Path, activity_id: int, items: list[EvidenceInput]) -> list[int]:
    """Attach files and links to an entry: all of them, or none."""
    if not items:
        raise InputError("ไม่ได้ระบุหลักฐาน — ใส่เส้นทางไฟล์ หรือลิงก์ที่ขึ้นต้นด้วย https://")
    if conn.execute("SELECT 1 FROM activities WHERE id = ?", (activity_id,)).fetchone() is None:
        raise NotFoundError(f"ไม่มีรายการที่ {activity_id} — ดูรายการด้วย 'nitet list'")
    probe = NewActivity(date=date.today(), title="-", standards=[], evidence=items)
    items = list(check_activity_fields(probe).evidence)  # checked and cleaned (files readable, links well formed)
    with Staging(conn, db_path) as staging:
        stored = store_evidence_files(staging, items)
        with transaction(conn):
            if conn.execute("SELECT 1 FROM activities WHERE id = ?", (activity_id,)).fetchone() is None:
                raise NotFoundError(f"ไม่มีรายการที่ {activity_id} (เพิ่งถูกลบ) — ดูรายการด้วย 'nitet list'")
            staging.place()
            ids = add_evidence_rows(conn, activity_id, evidence_rows(items, stored))
            conn.execute("UPDATE activities SET updated_at = ? WHERE id = ?", (now_iso(), activity_id))
    return ids


def remove_evidence(conn: sqlite3.Connection, db_path: Path, evidence_id: int) -> dict:
    """Detach one piece of evidence; its stored file goes too once no entry uses it
    (after the transaction has committed, decided and removed under the write lock)."""
    from nitet_cli.evidence_store import remove_if_unused

    with transaction(conn):
        row = conn.execute("SELECT * FROM evidence WHERE id = ?", (evidence_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"ไม่มีหลักฐานที่ {evidence_id} — ดูหมายเลขหลักฐานด้วย 'nitet evidence list ID'")
        item = evidence_dict(row, db_path)
        record_evidence_removed(conn, evidence_id)  # deletions travel (m008)
        conn.execute("DELETE FROM evidence WHERE id = ?", (evidence_id,))
        conn.execute("UPDATE activities SET updated_at = ? WHERE id = ?", (now_iso(), row["activity_id"]))
    item["file_removed"] = bool(row["sha256"]) and remove_if_unused(conn, db_path, row["sha256"])
    return item
