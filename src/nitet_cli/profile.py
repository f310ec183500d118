"""The database owner's profile and identity: the supervisor row with ``is_self = 1``.

Only the owner changes it (``nitet manual load``, the ``nitet profile`` commands); import
and merge never do (exchange.py). A database copied from a colleague's is, until given
its own identity, the colleague: the same supervisor UUID and the same entry UUIDs, so a
group merge would put both people's work under one name. ``new_identity`` gives a copy
its own.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import asdict, dataclass

from nitet_cli.clock import now_iso
from nitet_cli.db import transaction
from nitet_cli.errors import DatabaseError, NotFoundError


@dataclass
class NewIdentity:
    name: str
    old_uuid: str
    new_uuid: str
    activities: int  # the owner's entries, each with a new UUID
    evidence: int  # their pieces of evidence, each with a new UUID
    follow_ups: int = 0  # their follow-ups, each with a new UUID

    def as_dict(self) -> dict:
        return asdict(self)


def new_identity(conn: sqlite3.Connection) -> NewIdentity:
    """Give the owner a new supervisor UUID, and each of the owner's entries (those under the
    owner or under no one, as export counts them), their evidence and follow-ups new UUIDs, in one
    transaction. Texts, dates and ``updated_at`` stay as they are; the rows' ids too, so entry
    numbers do not change. Other supervisors' entries (in a group's database) are not touched."""
    try:
        return _new_identity(conn)
    except sqlite3.Error as exc:
        raise DatabaseError(f"เปลี่ยนตัวตนไม่สำเร็จ ({exc}) — ไม่มีการเปลี่ยนแปลงใด ๆ; ตรวจด้วย 'nitet doctor' แล้วลองใหม่") from exc


def _new_identity(conn: sqlite3.Connection) -> NewIdentity:
    with transaction(conn):
        row = conn.execute("SELECT id, uuid, name FROM supervisors WHERE is_self = 1").fetchone()
        if row is None:
            raise NotFoundError("ฐานข้อมูลนี้ยังไม่มีเจ้าของ (โปรไฟล์) — สร้างด้วย 'nitet init' หรือ 'nitet manual load' ก่อน")
        new_uuid = str(uuid.uuid4())
        conn.execute("UPDATE supervisors SET uuid = ?, updated_at = ? WHERE id = ?", (new_uuid, now_iso(), row["id"]))
        activity_ids = [
            r[0] for r in conn.execute("SELECT id FROM activities WHERE supervisor_id = ? OR supervisor_id IS NULL", (row["id"],))
        ]
        conn.executemany("UPDATE activities SET uuid = ? WHERE id = ?", [(str(uuid.uuid4()), i) for i in activity_ids])
        evidence_ids = [
            r[0]
            for r in conn.execute(
                "SELECT e.id FROM evidence e JOIN activities a ON a.id = e.activity_id"
                " WHERE a.supervisor_id = ? OR a.supervisor_id IS NULL",
                (row["id"],),
            )
        ]
        conn.executemany("UPDATE evidence SET uuid = ? WHERE id = ?", [(str(uuid.uuid4()), i) for i in evidence_ids])
        follow_up_ids = [
            r[0]
            for r in conn.execute(
                "SELECT f.id FROM follow_ups f JOIN activities a ON a.id = f.activity_id"
                " WHERE a.supervisor_id = ? OR a.supervisor_id IS NULL",
                (row["id"],),
            )
        ]
        conn.executemany("UPDATE follow_ups SET uuid = ? WHERE id = ?", [(str(uuid.uuid4()), i) for i in follow_up_ids])
    return NewIdentity(row["name"], row["uuid"], new_uuid, len(activity_ids), len(evidence_ids), len(follow_up_ids))
