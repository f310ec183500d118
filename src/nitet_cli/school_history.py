"""One school's history (``nitet school show``): every entry that names it, its follow-ups,
and its visits per term against each visit target that covers it.

The visits toward a target are counted by progress.py (the same service as ``status`` and
the report), for this school alone: nothing here decides which visits count.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date

from nitet_cli.terms import Term


def school_entries(conn: sqlite3.Connection, code: str) -> list[dict]:
    """Every entry naming the school, newest first, with its supervisor, standards and the
    number of pieces of evidence."""
    rows = conn.execute(
        "SELECT a.id, a.uuid, a.date, a.kind, a.mode, a.title, a.findings, a.suggestions, a.participants, a.teachers,"
        " sv.name AS supervisor,"
        " (SELECT json_group_array(standard_id) FROM (SELECT standard_id FROM activity_standards"
        "   WHERE activity_id = a.id ORDER BY standard_id)) AS standards,"
        " (SELECT count(*) FROM evidence e WHERE e.activity_id = a.id) AS evidence"
        " FROM activity_schools x JOIN activities a ON a.id = x.activity_id"
        " LEFT JOIN supervisors sv ON sv.id = a.supervisor_id"
        " WHERE x.school_code = ? ORDER BY a.date DESC, a.id DESC",
        (code,),
    ).fetchall()
    result = []
    for r in rows:
        item = {k: r[k] for k in r.keys()}
        item["standards"] = json.loads(r["standards"])
        result.append(item)
    return result


def _terms_of(conn: sqlite3.Connection, days: set[str], today: date) -> list[Term]:
    """The terms these days fall in, and the current one, oldest first (days in a break have none)."""
    from nitet_cli.terms import current_term, term_of

    found = {}
    for day in sorted(days):
        term = term_of(conn, date.fromisoformat(day))
        if term is not None:
            found[(term.year, term.term)] = term
    now = current_term(conn, today)
    found.setdefault((now.year, now.term), now)
    return [found[key] for key in sorted(found)]


def school_history(conn: sqlite3.Connection, code: str, *, today: date | None = None) -> dict:
    """``school show`` as plain data: school, entries (newest first), follow_ups (with their
    counts by status) and terms (oldest first, the current one included), each with its
    entries at the school and, per visit target covering the school, visits / minimum."""
    from nitet_cli.clock import today as clock_today
    from nitet_cli.errors import NotFoundError
    from nitet_cli.follow_ups import list_follow_ups, status_counts
    from nitet_cli.progress import coverage_mark, school_target_visits
    from nitet_cli.schools import get_school

    today = today or clock_today()
    school = get_school(conn, code)
    if school is None:
        raise NotFoundError(f"ไม่พบโรงเรียนรหัส {code} — ดูรายชื่อด้วย 'nitet school list'")
    entries = school_entries(conn, code)
    terms = []
    for term in _terms_of(conn, {e["date"] for e in entries}, today):
        start, end = term.start.isoformat(), term.end.isoformat()
        in_term = [e for e in entries if start <= e["date"] <= end]
        targets = []
        for row in school_target_visits(conn, term, school):
            targets.append(
                {
                    "standard": row.standard,
                    "visits": row.visits,
                    "target": row.target,
                    "met": row.met,
                    "mark": coverage_mark(row),  # as status says it
                }
            )
        terms.append(
            {
                **term.as_dict(),
                "current": term.contains(today),
                "entries": len(in_term),
                "last_date": in_term[0]["date"] if in_term else None,
                "targets": targets,
            }
        )
    return {
        "school": school.as_dict(),
        "entries": entries,
        "follow_ups": list_follow_ups(conn, which="all", school=code, today=today),
        "follow_up_counts": status_counts(conn, school=code),
        "terms": terms,
    }
