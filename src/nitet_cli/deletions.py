"""The record of deletions (migration m008): which entry or piece of evidence was deleted,
when and by whom, so that a deletion travels through export, import and merge (issue 9).

``nitet delete`` and ``nitet evidence remove`` call these inside the transaction that
deletes, before the rows go. ``deleted_at`` is the moment of the deletion, but never earlier
than the last edit of the copy it deleted when that edit is stamped at most
``FUTURE_TOLERANCE`` ahead of this computer's clock (two clocks a few hours apart): a deletion
wins over the copy it removed. A copy stamped further ahead (a wrong clock) gives the deletion
no stamp of its own: it is stamped now, so that other databases believe and apply it; import
and merge never let a stamp that far ahead count as an edit made after a deletion.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from nitet_cli.clock import now_iso

#: How far a time stamp may be ahead of this computer's clock (two clocks a few hours apart) and
#: still be believed; a later one is a wrong clock on the computer that stamped it.
FUTURE_TOLERANCE = timedelta(days=1)
#: No computer running this version of nitet is truly earlier than this: a clock before it has been
#: reset (a dead clock battery: 1 Jan 2000, or 1970), and by it every true stamp would look ahead
#: of the clock. Stamps are then not judged against it at all (:func:`wrong_clock`).
CLOCK_FLOOR = "2026-11-30T00:00:00+00:00"


def wrong_clock(now: str | None = None) -> str | None:
    """Why this computer's clock cannot be believed (one Thai sentence), or None."""
    now = now or now_iso()
    if instant(now) >= instant(CLOCK_FLOOR):
        return None
    from nitet_cli.thai import be_date

    return (
        f"นาฬิกาของเครื่องนี้บอกวันที่ {be_date(instant(now))} ซึ่งก่อนที่ nitet รุ่นนี้จะมีอยู่ (นาฬิกาถูกตั้งใหม่"
        " เช่น แบตเตอรี่นาฬิกาหมด) จึงตัดสินเวลาที่บันทึกไว้ไม่ได้ — ตั้งวันเวลาของเครื่องให้ถูกต้องก่อน แล้วลองใหม่"
    )


def instant(value: str | None) -> datetime:
    """An ISO timestamp as an aware datetime (naive ones are UTC; missing or unreadable ones are the earliest,
    as is a value that is not text: a hand-edited column holding a BLOB)."""
    earliest = datetime.min.replace(tzinfo=timezone.utc)
    if not value or not isinstance(value, str):
        return earliest
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return earliest
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def ahead_of_clock(stamp: str | None, now: str | None = None) -> bool:
    """``stamp`` is more than ``FUTURE_TOLERANCE`` later than ``now`` (this computer's clock):
    made by a wrong clock, never believed to be later than anything."""
    return instant(stamp) > instant(now or now_iso()) + FUTURE_TOLERANCE


def _when(version: str | None) -> str:
    """A deletion's stamp: now, or the deleted copy's last edit when that is later but believable."""
    now = now_iso()
    if version and instant(version) > instant(now) and not ahead_of_clock(version, now):
        return version
    return now


def save(
    conn: sqlite3.Connection, uuid: str, kind: str, deleted_at: str, deleted_by: str | None, activity: str | None
) -> None:
    """Keep the record of one deletion (the later one when there is already a record of that UUID)."""
    row = conn.execute("SELECT deleted_at FROM deletions WHERE uuid = ?", (uuid,)).fetchone()
    if row is not None and instant(row[0]) >= instant(deleted_at):
        return
    conn.execute(
        "INSERT OR REPLACE INTO deletions (uuid, kind, deleted_at, deleted_by, activity) VALUES (?, ?, ?, ?, ?)",
        (uuid, kind, deleted_at, deleted_by, activity),
    )


def _owner(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT uuid FROM supervisors WHERE is_self = 1").fetchone()
    return row[0] if row else None


def record_activity_deleted(conn: sqlite3.Connection, activity_id: int) -> None:
    """Inside the deleting transaction, before the entry's rows go."""
    row = conn.execute("SELECT uuid, updated_at FROM activities WHERE id = ?", (activity_id,)).fetchone()
    if row is not None:
        save(conn, row[0], "activity", _when(row[1]), _owner(conn), None)


def record_evidence_removed(conn: sqlite3.Connection, evidence_id: int) -> None:
    """Inside the removing transaction, before the evidence row goes (its entry's last edit is its version)."""
    row = conn.execute(
        "SELECT e.uuid, a.uuid, a.updated_at FROM evidence e JOIN activities a ON a.id = e.activity_id WHERE e.id = ?",
        (evidence_id,),
    ).fetchone()
    if row is not None:
        save(conn, row[0], "evidence", _when(row[2]), _owner(conn), row[1])
