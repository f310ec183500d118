"""Figures per supervisor and for the group, for a database that holds several supervisors
(one made by ``nitet merge``): who did what this term, and which schools the group
reached together against the manual's visit targets.

Every figure is counted by SQLite with ``GROUP BY supervisor_id`` over the term's date
range, a handful of queries whatever the size: a national database of a million
activities and 600 supervisors returns 600 aggregated rows, never its entries.

Definitions follow :mod:`nitet_cli.progress` (which counts the group as a whole):

- *activities*: entries dated within the term;
- *schools*: distinct schools named on those entries;
- *evidence* / *photos*: evidence items of those entries (photos: image files);
- *visits toward a target*: for each standard with a visit target, the (entry, school)
  pairs of entries linked to that standard at a school the target covers. A school
  *meets* a target when the visits of every supervisor together reach the minimum;
  ``schools_met_alone`` says how many a supervisor reached on their own.

An entry without a supervisor (recorded before a profile existed) is shown under
"ไม่ระบุผู้บันทึก", so that the rows always add up to the group's figures.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from nitet_cli.terms import Term

UNKNOWN_SUPERVISOR = "ไม่ระบุผู้บันทึก"

# The term's activities walked in id order through the (id, date) index of migration m002,
# so that the joins keyed by activity_id read their pages in order (as progress.py does).
_ID_ORDER = "INDEXED BY activities_id_date"

_ACTIVITIES = """
    SELECT a.supervisor_id, count(*) FROM activities a
    WHERE a.date BETWEEN :start AND :end GROUP BY a.supervisor_id
"""

# Schools reached: distinct schools per supervisor, and for the group (row with kind 1).
_SCHOOLS = """
    WITH pairs AS MATERIALIZED (
        SELECT a.supervisor_id AS supervisor, y.school_code AS school
        FROM activities a {order} CROSS JOIN activity_schools y ON y.activity_id = a.id
        WHERE +a.date BETWEEN :start AND :end
        GROUP BY 1, 2
    )
    SELECT 0, supervisor, count(*) FROM pairs GROUP BY supervisor
    UNION ALL
    SELECT 1, NULL, count(DISTINCT school) FROM pairs
"""

# Driven from the evidence table: far fewer rows than activities.
_EVIDENCE = """
    SELECT a.supervisor_id, count(*), coalesce(sum(e.kind = 'file' AND e.media_type LIKE 'image/%'), 0)
    FROM evidence e CROSS JOIN activities a ON a.id = e.activity_id
    WHERE a.date BETWEEN :start AND :end GROUP BY a.supervisor_id
"""

# Visits toward the targets: per target standard, supervisor and school, in one pass over the
# term, kept in a temporary table; the scope of each target (its school groups) is applied
# when the table is read.
_VISITS_TABLE = "nitet_group_visits"
_FILL_VISITS = """
    INSERT INTO temp.nitet_group_visits (standard, supervisor, school, visits)
    SELECT x.standard_id, a.supervisor_id, y.school_code, count(*)
    FROM activities a {order}
    CROSS JOIN activity_standards x ON x.activity_id = a.id
    CROSS JOIN activity_schools y ON y.activity_id = a.id
    WHERE +a.date BETWEEN :start AND :end AND x.standard_id IN ({standards})
    GROUP BY 1, 2, 3
"""

_IN_SCOPE = """
    SELECT v.supervisor, v.school, v.visits FROM temp.nitet_group_visits v
    {join} WHERE v.standard = :standard {where}
"""

_PER_SUPERVISOR = """
    SELECT supervisor, sum(visits), count(*), sum(visits >= :minimum) FROM ({visits}) GROUP BY supervisor
"""

_TOGETHER = """
    SELECT coalesce(sum(total), 0), count(*), coalesce(sum(total >= :minimum), 0)
    FROM (SELECT school, sum(visits) AS total FROM ({visits}) GROUP BY school)
"""

_TARGET_SCHOOLS = "SELECT count(*) FROM schools s {where}"

#: From this many activities in the term, the schools pass runs on a second (read-only)
#: connection while the visits pass runs on this one: SQLite releases the GIL, so each gets a core.
PARALLEL_FROM = 50_000


@dataclass
class TargetFigures:
    """One supervisor's (or the group's) work toward one standard's visit target."""

    standard: str
    visits: int = 0
    schools_visited: int = 0
    schools_met: int = 0  # for a supervisor: met by their visits alone; for the group: by all together

    def as_dict(self) -> dict:
        return {
            "standard": self.standard,
            "visits": self.visits,
            "schools_visited": self.schools_visited,
            "schools_met": self.schools_met,
        }


@dataclass
class SupervisorFigures:
    id: int | None
    uuid: str
    name: str
    position: str = ""
    office: str = ""
    is_self: bool = False
    activities: int = 0
    schools: int = 0
    evidence: int = 0
    photos: int = 0
    targets: list[TargetFigures] = field(default_factory=list)

    @property
    def target_visits(self) -> int:
        return sum(t.visits for t in self.targets)

    def as_dict(self) -> dict:
        return {
            "uuid": self.uuid,
            "name": self.name,
            "position": self.position,
            "office": self.office,
            "is_self": self.is_self,
            "activities": self.activities,
            "schools": self.schools,
            "evidence": self.evidence,
            "photos": self.photos,
            "target_visits": self.target_visits,
            "targets": [t.as_dict() for t in self.targets],
        }


@dataclass
class TargetScope:
    standard: str
    min_per_term: int
    school_groups: list[str]
    target_schools: int = 0

    @property
    def scope(self) -> str:
        return ", ".join(f"กลุ่มโรงเรียน{g}" for g in self.school_groups) if self.school_groups else "ทุกโรงเรียน"

    def as_dict(self) -> dict:
        return {
            "standard": self.standard,
            "min_per_term": self.min_per_term,
            "school_groups": list(self.school_groups),
            "scope": self.scope,
            "target_schools": self.target_schools,
        }


@dataclass
class GroupProgress:
    term: Term
    supervisors: list[SupervisorFigures]
    group: SupervisorFigures
    targets: list[TargetScope]

    @property
    def active(self) -> list[SupervisorFigures]:
        """Supervisors with at least one activity this term."""
        return [s for s in self.supervisors if s.activities]

    @property
    def is_group(self) -> bool:
        """More than one supervisor worked this term: a group report makes sense."""
        return len(self.active) > 1

    def as_dict(self) -> dict:
        return {
            "supervisors": [s.as_dict() for s in self.supervisors],
            "group": {
                **self.group.as_dict(),
                "supervisors": len(self.supervisors),
                "supervisors_active": len(self.active),
                "is_group": self.is_group,
            },
            "targets": [t.as_dict() for t in self.targets],
        }


def _targets(conn: sqlite3.Connection) -> list[TargetScope]:
    result = []
    for sid, raw in conn.execute(
        "SELECT id, target FROM standards WHERE target IS NOT NULL AND retired_at IS NULL ORDER BY position, duty_number, step"
    ):
        try:
            target = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(target, dict) or target.get("kind") != "school_visits":
            continue
        result.append(TargetScope(sid, int(target.get("min_per_term", 1)), list(target.get("school_groups") or [])))
    return result


def _scope_sql(target: TargetScope) -> tuple[str, str, str, dict]:
    """(join and where for the visits table, where for the schools table, params) of a target's schools."""
    if not target.school_groups:
        return "", "", "", {}
    names = [f":g{i}" for i in range(len(target.school_groups))]
    params = {f"g{i}": g for i, g in enumerate(target.school_groups)}
    groups = ", ".join(names)
    return (
        "CROSS JOIN schools s ON s.code = v.school",
        f"AND s.school_group IN ({groups})",
        f"WHERE s.school_group IN ({groups})",
        params,
    )


def _schools_sql(conn: sqlite3.Connection) -> str:
    has_index = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'activities_id_date'").fetchone()
    return _ID_ORDER if has_index else ""


def _schools_elsewhere(conn: sqlite3.Connection, sql: str, params: dict):
    """Run the schools pass on a read-only connection of its own; None for an in-memory database."""
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    files = [r[2] for r in conn.execute("PRAGMA database_list") if r[1] == "main"]
    if not files or not files[0]:
        return None
    uri = Path(files[0]).as_uri() + "?mode=ro"

    def run() -> list:
        other = sqlite3.connect(uri, uri=True, timeout=60)
        try:
            return other.execute(sql, params).fetchall()
        finally:
            other.close()

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future


def _fill_visits(conn: sqlite3.Connection, order: str, params: dict, targets: list[TargetScope]) -> None:
    conn.execute(f"DROP TABLE IF EXISTS temp.{_VISITS_TABLE}")
    conn.execute(
        f"CREATE TEMP TABLE {_VISITS_TABLE} (standard TEXT, supervisor INTEGER, school TEXT, visits INTEGER NOT NULL)"
    )
    if not targets:
        return
    names = {f"t{i}": t.standard for i, t in enumerate(targets)}
    standards = ", ".join(f":{n}" for n in names)
    conn.execute(_FILL_VISITS.format(order=order, standards=standards), {**params, **names})


def group_progress(conn: sqlite3.Connection, term: Term) -> GroupProgress:
    """Figures per supervisor for ``term`` and for them all together, every count done in SQL."""
    params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
    people: dict[int | None, SupervisorFigures] = {}
    for r in conn.execute("SELECT id, uuid, name, position, office, is_self FROM supervisors ORDER BY is_self DESC, name, id"):
        people[r[0]] = SupervisorFigures(r[0], r[1], r[2], r[3], r[4], bool(r[5]))

    def person(supervisor_id) -> SupervisorFigures:
        found = people.get(supervisor_id)
        if found is None:  # an entry without a supervisor, or one pointing to a missing row
            found = people.setdefault(None, SupervisorFigures(None, "", UNKNOWN_SUPERVISOR))
        return found

    activities = conn.execute(_ACTIVITIES, params).fetchall()
    for sid, count in activities:
        person(sid).activities += count
    for sid, count, photos in conn.execute(_EVIDENCE, params):
        p = person(sid)
        p.evidence += count
        p.photos += photos

    order = _schools_sql(conn)
    schools_sql = _SCHOOLS.format(order=order)
    size = sum(count for _, count in activities)
    pending = _schools_elsewhere(conn, schools_sql, params) if size >= PARALLEL_FROM else None
    targets = _targets(conn)
    group = SupervisorFigures(None, "", "รวมทั้งกลุ่ม")
    try:
        _fill_visits(conn, order, params, targets)
        for target in targets:
            join, where, schools_where, scope_params = _scope_sql(target)
            query_params = {**scope_params, "standard": target.standard, "minimum": target.min_per_term}
            target.target_schools = conn.execute(_TARGET_SCHOOLS.format(where=schools_where), scope_params).fetchone()[0]
            visits_sql = _IN_SCOPE.format(join=join, where=where)
            per: dict[int | None, TargetFigures] = {}
            for sid, visits, visited, met in conn.execute(_PER_SUPERVISOR.format(visits=visits_sql), query_params):
                figures = per.setdefault(person(sid).id, TargetFigures(target.standard))
                figures.visits += visits
                figures.schools_visited += visited
                figures.schools_met += met
            for p in people.values():
                p.targets.append(per.get(p.id) or TargetFigures(target.standard))
            total, visited, met = conn.execute(_TOGETHER.format(visits=visits_sql), query_params).fetchone()
            group.targets.append(TargetFigures(target.standard, total, visited, met))
    finally:
        schools = pending.result() if pending is not None else conn.execute(schools_sql, params).fetchall()
        conn.execute(f"DROP TABLE IF EXISTS temp.{_VISITS_TABLE}")

    for kind, sid, count in schools:
        if kind == 0:
            person(sid).schools += count  # (two missing supervisors folded into one row: an upper bound)
        else:
            group.schools = count
    group.activities = sum(p.activities for p in people.values())
    group.evidence = sum(p.evidence for p in people.values())
    group.photos = sum(p.photos for p in people.values())

    ordered = sorted(people.values(), key=lambda p: (not p.is_self, p.id is None, p.name))
    return GroupProgress(term, ordered, group, targets)
