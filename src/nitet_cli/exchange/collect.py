"""Reading a database into the exchange shape: what ``export`` writes and ``merge`` reads."""

from __future__ import annotations

import sqlite3
from datetime import date

from nitet_cli.activity_rows import ACTIVITY_FIELDS, EVIDENCE_FIELDS
from nitet_cli.clock import now_iso
from nitet_cli.exchange.shape import (
    DELETION_FIELDS,
    FOLLOW_UP_FIELDS,
    FORMAT,
    VERSION,
    check_export,
)
from nitet_cli.profile import ENDORSER_FIELDS, PROFILE_FIELDS


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
        if r["activity_id"] in ids:
            standards.setdefault(r["activity_id"], []).append(r["standard_id"])
    schools_of: dict[int, list[str]] = {}
    for r in conn.execute("SELECT activity_id, school_code FROM activity_schools ORDER BY activity_id, school_code"):
        if r["activity_id"] in ids:
            schools_of.setdefault(r["activity_id"], []).append(r["school_code"])
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
        {"year": r["year"], "term": r["term"], "start": r["start_date"], "end": r["end_date"]}
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
        "exported_at": now_iso(),
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


def read_database(conn: sqlite3.Connection) -> tuple[dict, dict | None]:
    """Everything in ``conn`` as ``merge`` brings it in: its records in the exchange shape, checked
    as an export file's are (:func:`check_export`), and its manual (None when it has none)."""
    return check_export(collect(conn)), collect_manual(conn)
