"""The rows of one activity — the entry, its links to standards and schools, its evidence — and
the one writer every path that records, edits, imports or merges an entry goes through.

The term figures' summary tables (``progress_sets``, ``progress_visits``, migrations m006 and
m009) are kept exact by triggers on these tables, and what a trigger adds depends on the rows
already there; so an entry is always written in one order: its ``activities`` row first (a new
one, or its date and supervisor moved), then its standards, then its schools, then its
evidence. Every write happens inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

#: The columns of an activity a person gives (besides its uuid, supervisor and timestamps).
ACTIVITY_FIELDS = ("date", "kind", "mode", "title", "findings", "suggestions", "participants", "teachers")
#: The columns of a piece of evidence (besides its uuid, its activity and when it was added).
EVIDENCE_FIELDS = ("kind", "sha256", "original_name", "media_type", "size", "url", "caption")


# The three records below are named tuples, not dataclasses: their classes are made on every start of
# ``nitet log``/``log-visit``, and a dataclass costs about 1 ms of start-up each to create
# (``bench/run.py startup``; issue 13's budget). They are never changed once made.


class ActivityRow(NamedTuple):
    """An entry's ``activities`` row. ``uuid`` and ``created_at`` are written only with a new entry."""

    uuid: str
    supervisor_id: int | None
    date: str  # ISO, Gregorian
    kind: str
    mode: str
    title: str
    findings: str
    suggestions: str
    participants: str
    teachers: int | None
    created_at: str
    updated_at: str


class EvidenceRow(NamedTuple):
    """A piece of evidence: a stored file (``sha256`` …) or a link (``url``)."""

    uuid: str
    kind: str  # "file" or "link"
    sha256: str | None = None
    original_name: str | None = None
    media_type: str | None = None
    size: int | None = None
    url: str | None = None
    caption: str = ""
    created_at: str = ""


class Written(NamedTuple):
    """What :func:`write_activity` did."""

    id: int  # the entry's id
    evidence_ids: list[int]  # the evidence rows added, in order
    unused_files: set[str]  # sha256 of evidence rows it removed


def write_activity(
    conn: sqlite3.Connection,
    row: ActivityRow,
    *,
    activity_id: int | None = None,
    standards: Sequence[str] | None = None,
    schools: Sequence[str] | None = None,
    evidence: Sequence[EvidenceRow] | None = None,
) -> Written:
    """Write one entry with its links and evidence (inside the caller's transaction).

    ``activity_id`` None: a new entry; else the entry with that id is changed. ``standards``,
    ``schools`` and ``evidence`` replace what the entry has; None leaves it as it is. Evidence
    already there (by UUID) stays that row, its fields updated, and never moves to another
    entry; evidence of the entry not in ``evidence`` is removed (its sha256 returned in
    ``unused_files``, for the caller to remove the file once committed if nothing else uses it).
    """
    values = (row.supervisor_id, *(getattr(row, k) for k in ACTIVITY_FIELDS))
    new = activity_id is None
    if activity_id is None:
        cur = conn.execute(
            f"INSERT INTO activities (uuid, supervisor_id, {', '.join(ACTIVITY_FIELDS)}, created_at, updated_at)"
            f" VALUES (?, ?, {', '.join('?' for _ in ACTIVITY_FIELDS)}, ?, ?)",
            (row.uuid, *values, row.created_at, row.updated_at),
        )
        activity_id = cur.lastrowid
    else:
        conn.execute(
            f"UPDATE activities SET supervisor_id = ?, {', '.join(f'{k} = ?' for k in ACTIVITY_FIELDS)}, updated_at = ?"
            " WHERE id = ?",
            (*values, row.updated_at, activity_id),
        )
    evidence_ids: list[int] = []
    unused_files: set[str] = set()
    for table, column, links in (
        ("activity_standards", "standard_id", standards),
        ("activity_schools", "school_code", schools),
    ):
        if links is None:
            continue
        if not new:
            conn.execute(f"DELETE FROM {table} WHERE activity_id = ?", (activity_id,))
        conn.executemany(
            f"INSERT INTO {table} (activity_id, {column}) VALUES (?, ?)", [(activity_id, v) for v in links]
        )
    if evidence is not None:
        if not new:
            # The rows to remove are picked here, not with "uuid NOT IN (?, ?, …)": an entry may bring
            # more pieces of evidence than SQLite takes parameters in one statement.
            keep = {e.uuid for e in evidence}
            gone = [
                (row_id, sha)
                for row_id, uuid, sha in conn.execute(
                    "SELECT id, uuid, sha256 FROM evidence WHERE activity_id = ?", (activity_id,)
                )
                if uuid not in keep
            ]
            unused_files.update(sha for _id, sha in gone if sha is not None)
            conn.executemany("DELETE FROM evidence WHERE id = ?", [(row_id,) for row_id, _sha in gone])
        evidence_ids = add_evidence_rows(conn, activity_id, evidence)
    return Written(activity_id, evidence_ids, unused_files)


def add_evidence_rows(conn: sqlite3.Connection, activity_id: int, evidence: Sequence[EvidenceRow]) -> list[int]:
    """Evidence rows of the entry ``activity_id`` (inside the caller's transaction); returns the
    ids of the rows added. A row whose UUID is there already keeps its place, its fields updated
    when it belongs to this entry (an import or merge bringing it again), never moved to another."""
    added = []
    for e in evidence:
        existed = conn.execute("SELECT 1 FROM evidence WHERE uuid = ?", (e.uuid,)).fetchone() is not None
        cur = conn.execute(
            f"INSERT INTO evidence (uuid, activity_id, {', '.join(EVIDENCE_FIELDS)}, created_at)"
            f" VALUES (?, ?, {', '.join('?' for _ in EVIDENCE_FIELDS)}, ?)"
            " ON CONFLICT(uuid) DO UPDATE SET kind = excluded.kind,"
            " sha256 = excluded.sha256, original_name = excluded.original_name, media_type = excluded.media_type,"
            " size = excluded.size, url = excluded.url, caption = excluded.caption"
            " WHERE evidence.activity_id = excluded.activity_id",
            (e.uuid, activity_id, *(getattr(e, k) for k in EVIDENCE_FIELDS), e.created_at),
        )
        if not existed:
            added.append(cur.lastrowid)
    return added


def delete_activity_rows(conn: sqlite3.Connection, activity_id: int) -> set[str]:
    """Remove an entry with its evidence and links (inside the caller's transaction; the
    summary tables' triggers see its evidence go first, the entry last). Returns the sha256 of
    its stored files, for the caller to remove once committed if nothing else uses them."""
    hashes = {
        r[0]
        for r in conn.execute(
            "SELECT sha256 FROM evidence WHERE activity_id = ? AND sha256 IS NOT NULL", (activity_id,)
        )
    }
    for table in ("evidence", "activity_standards", "activity_schools"):
        conn.execute(f"DELETE FROM {table} WHERE activity_id = ?", (activity_id,))
    conn.execute("DELETE FROM activities WHERE id = ?", (activity_id,))
    return hashes
