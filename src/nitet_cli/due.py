"""``nitet due``: the supervisor's to-do for a term (issue 10 part 3), as plain data.

Most urgent first:

- the schools below a visit target: per target the visits that count / the minimum (from
  :mod:`nitet_cli.progress`, the very rows ``status`` lists — nothing here decides which
  visits count), the school's last visit and the days since, and the pace still needed
  (its visits still needed ÷ the school weeks left in the term). A school with no visit at
  all this term comes first, then the schools that need more visits, then the ones not
  seen the longest; a school that met every target covering it is not listed;
- follow-ups overdue, and those due within 14 days (:mod:`nitet_cli.follow_ups`, the same
  items as ``follow-up list --overdue``), whatever term they were given in: an item given
  last term and still open is still to be done;
- a summary: schools behind, visits still needed, school weeks left, visits a week needed.

A school's visits still needed are the most any one of its targets still needs, not their
sum: one visit logged under the school's group standard (7.3 for บ้านคู่) also counts for
6.3, which counts every visit. School weeks are the weekdays (Monday to Friday) from today,
or from the term's first day, to its last, divided by five; the office's holidays are not
known to nitet.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from nitet_cli.terms import Term

#: Follow-ups due within this many days are listed beside the overdue ones.
DUE_SOON_DAYS = 14


def school_days(first: date, last: date) -> int:
    """Weekdays (Monday to Friday) from ``first`` to ``last``, both included (0 when first > last)."""
    if first > last:
        return 0
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    extra = sum((first.weekday() + i) % 7 < 5 for i in range(rest))
    return weeks * 5 + extra


def weeks_left(term: Term, today: date) -> tuple[int, float]:
    """School days and school weeks (days ÷ 5) left in ``term`` from ``today`` (a term not yet
    begun: from its first day; a term over: none)."""
    days = school_days(max(today, term.start), term.end)
    return days, days / 5


def pace(needed: int, weeks: float) -> float | None:
    """Visits a week still needed; None when no school week is left."""
    return needed / weeks if weeks > 0 else None


def behind_schools(conn: sqlite3.Connection, term: Term, today: date) -> list[dict]:
    """Every school below a visit target of ``term``, most urgent first (see the module)."""
    from nitet_cli.progress import last_visits, term_progress

    schools: dict[str, dict] = {}
    for row in term_progress(conn, term, today).gaps:  # the rows of status (--json: "schools", met false)
        school = schools.get(row.code)
        if school is None:
            school = schools[row.code] = {
                "code": row.code,
                "name": row.name,
                "group": row.group,
                "visits_this_term": row.all_visits,  # every visit, whatever its standards (as status says it)
                "targets": [],
            }
        school["targets"].append(
            {"standard": row.standard, "visits": row.visits, "target": row.target, "needed": row.target - row.visits}
        )
    last = last_visits(conn, list(schools), term.end)
    _, weeks = weeks_left(term, today)
    for code, school in schools.items():
        day = last.get(code)
        school["needed"] = max(t["needed"] for t in school["targets"])
        school["last_visit"] = day
        school["days_since"] = (today - date.fromisoformat(day)).days if day else None
        school["visited_this_term"] = school["visits_this_term"] > 0
        school["per_week"] = pace(school["needed"], weeks)
    return sorted(
        schools.values(),
        key=lambda s: (s["visited_this_term"], -s["needed"], s["last_visit"] or "", s["group"], s["name"], s["code"]),
    )


def due(conn: sqlite3.Connection, term: Term, today: date, *, within_days: int = DUE_SOON_DAYS) -> dict:
    """``nitet due`` as JSON-ready data: term, today, school_days_left, weeks_left, schools
    (below a target), overdue and due_soon (follow-ups), within_days, summary."""
    from nitet_cli.follow_ups import list_follow_ups
    from nitet_cli.progress import term_snapshot

    with term_snapshot(conn, term):  # schools and follow-ups from one state of the database
        schools = behind_schools(conn, term, today)
        # The open items once, most urgent first, split as list_follow_ups' "overdue" and
        # "due_within" would split them (each due day worked out once, not twice).
        open_items = list_follow_ups(conn, which="open", today=today)
    first, last = today.isoformat(), (today + timedelta(days=within_days)).isoformat()
    overdue = [item for item in open_items if item["overdue"]]
    due_soon = [item for item in open_items if item["due_on"] is not None and first <= item["due_on"] <= last]
    days, weeks = weeks_left(term, today)
    needed = sum(s["needed"] for s in schools)
    return {
        "term": term.as_dict(),
        "today": today.isoformat(),
        "school_days_left": days,
        "weeks_left": weeks,
        "schools": schools,
        "overdue": overdue,
        "due_soon": due_soon,
        "within_days": within_days,
        "summary": {
            "schools_behind": len(schools),
            "schools_not_visited": sum(not s["visited_this_term"] for s in schools),
            "visits_needed": needed,
            "weeks_left": weeks,
            "per_week": pace(needed, weeks),
            "overdue": len(overdue),
            "due_soon": len(due_soon),
        },
    }
