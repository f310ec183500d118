"""Figures per supervisor and for the group, for a database that holds several supervisors
(one made by ``nitet merge``): who did what this term, and which schools the group
reached together against the manual's visit targets.

Every figure is counted by SQLite, a handful of queries whatever the size: a national
database of a million activities and 600 supervisors returns 600 aggregated rows, never
its entries. Activities and evidence per supervisor come from the activities' indexes;
schools and visits toward the targets per supervisor from the summary table
progress_visits (migrations m004/m006/m009, kept by triggers), read in the order of
m009's index (:func:`supervisor_figures`). What the group counts as a whole — schools
reached, each target's coverage — is what progress.term_progress already counts:
:func:`term_and_group_progress` takes it from there instead of counting it twice.

Definitions follow :mod:`nitet_cli.progress` (which counts the group as a whole):

- *activities*: entries dated within the term;
- *schools*: distinct schools named on those entries;
- *evidence* / *photos*: evidence items of those entries (photos: image files);
- *visits toward a target*: for each standard with a visit target, the (entry, school)
  pairs of entries linked to that standard at a school the target covers — of every
  entry, whatever its standards, for a target with ``counts: every_visit``. A school
  *meets* a target when the visits of every supervisor together reach the minimum;
  ``schools_met_alone`` says how many a supervisor reached on their own.

An entry without a supervisor (recorded before a profile existed) is shown under
"ไม่ระบุผู้บันทึก", so that the rows always add up to the group's figures.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from nitet_cli.progress import EVERY_VISIT_KEY, TermProgress, term_progress, term_snapshot
from nitet_cli.targets import (
    EVERY_VISIT,
    LINKED_VISITS,
    counts_every_visit,
    target_groups,
    target_minimum,
    visit_target,
)
from nitet_cli.terms import Term

UNKNOWN_SUPERVISOR = "ไม่ระบุผู้บันทึก"

_ACTIVITIES = """
    SELECT a.supervisor_id, count(*) FROM activities a
    WHERE a.date BETWEEN :start AND :end GROUP BY a.supervisor_id
"""

# Driven from the evidence table: far fewer rows than activities.
_EVIDENCE = """
    SELECT a.supervisor_id, count(*), coalesce(sum(e.kind = 'file' AND e.media_type LIKE 'image/%'), 0)
    FROM evidence e CROSS JOIN activities a ON a.id = e.activity_id
    WHERE a.date BETWEEN :start AND :end GROUP BY a.supervisor_id
"""


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

    every_visit_everywhere: int | None = None  # index of a target counting every visit to every school, if any

    @property
    def target_visits(self) -> int:
        """Visits toward the targets: each visit once when a target counts every visit to every
        school (its visits are all of them), else the sum over the targets."""
        if self.every_visit_everywhere is not None and self.targets:
            return self.targets[self.every_visit_everywhere].visits
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
    every_visit: bool = False  # counts every visit to its schools, whatever their standards

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
            "counts": EVERY_VISIT if self.every_visit else LINKED_VISITS,
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
        target = visit_target(raw)
        if target is None:
            continue
        result.append(
            TargetScope(
                sid,
                target_minimum(target),
                target_groups(target),
                every_visit=counts_every_visit(target),
            )
        )
    return result


# --- per supervisor, from the summary of progress.py ----------------------------------------------
#
# Migration m006 keeps the supervisor in progress_visits (0 for an entry without one), so the
# per-supervisor figures are read from the summary too instead of a pass over the term's
# activities (tests/test_progress_speed_shape.py holds the supervisor column to a recount;
# tests/test_status_shared_work.py holds supervisor_figures to a recount of the entries).

# Everything counted per supervisor, from the term's rows of progress_visits under the keys it
# needs only, each read in the order of m009's index (standard, supervisor,
# school, date, visits) and grouped by supervisor and school without sorting: the '' rows
# (every visit) give each supervisor's distinct schools and the figures of the targets that
# count every visit; each target counting its own visits reads its standard's rows (at the
# schools of its groups: a look-up per school). For each target: visits, schools visited and
# schools that reached the minimum on that supervisor's visits alone (a school outside the
# target's groups does not count).
_PER_SUPERVISOR = """
    WITH pairs AS (
        SELECT supervisor, school, sum(visits) AS v FROM progress_visits
        WHERE standard = :key AND date BETWEEN :start AND :end AND visits > 0{scope}
        GROUP BY supervisor, school
    )
    SELECT nullif(supervisor, 0), count(*){figures} FROM pairs GROUP BY supervisor
"""


def _scope(prefix: str, groups: list[str], params: dict) -> str:
    """SQL true for a school of ``groups`` (empty: every school), its names put in ``params``."""
    if not groups:
        return "true"
    names = {f"{prefix}g{j}": g for j, g in enumerate(groups)}
    params.update(names)
    return f"school IN (SELECT code FROM schools WHERE school_group IN ({', '.join(':' + n for n in names)}))"


def supervisor_figures_sql(targets: list[TargetScope]) -> list[tuple[str, dict, list[int]]]:
    """The SELECTs of :func:`supervisor_figures` (with their parameters, without the term's) and
    the targets each gives figures for: first the one over every visit (schools, and every
    target that counts every visit), then one per target counting its own standard's visits."""
    every: tuple[list[str], dict, list[int]] = ([], {"key": EVERY_VISIT_KEY}, [])
    queries = []
    for i, target in enumerate(targets):
        if target.every_visit:
            figures, params, indexes = every
            params[f"m{i}"] = target.min_per_term
            scope = _scope(f"t{i}", target.school_groups, params)
            figures.append(
                f", coalesce(sum(v) FILTER (WHERE {scope}), 0), count(*) FILTER (WHERE {scope}),"
                f" coalesce(sum(v >= :m{i}) FILTER (WHERE {scope}), 0)"
            )
            indexes.append(i)
        else:
            params = {"key": target.standard, f"m{i}": target.min_per_term}
            scope = _scope(f"t{i}", target.school_groups, params)
            sql = _PER_SUPERVISOR.format(
                scope="" if scope == "true" else f" AND {scope}",
                figures=f", coalesce(sum(v), 0), count(*), coalesce(sum(v >= :m{i}), 0)",
            )
            queries.append((sql, params, [i]))
    figures, params, indexes = every
    return [(_PER_SUPERVISOR.format(scope="", figures="".join(figures)), params, indexes), *queries]


@dataclass
class SupervisorRow:
    """One supervisor's row of :func:`supervisor_figures`."""

    supervisor: int | None  # None: entries without one
    schools: int  # distinct schools of their entries
    targets: list[TargetFigures]  # in the order of the targets asked for


def supervisor_figures(conn: sqlite3.Connection, term: Term, targets: list[TargetScope]) -> list[SupervisorRow]:
    """Per supervisor (id, or None for entries without one) of ``term``: the distinct schools
    of their entries, and for each target three figures: visits toward it at the schools it
    covers, schools of those visited, and schools that reached the minimum on this
    supervisor's visits alone."""
    term_params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
    rows: dict[int | None, SupervisorRow] = {}
    for n, (sql, params, indexes) in enumerate(supervisor_figures_sql(targets)):
        for supervisor, schools, *figures in conn.execute(sql, {**params, **term_params}):
            row = rows.get(supervisor)
            if row is None:
                row = rows[supervisor] = SupervisorRow(supervisor, 0, [TargetFigures(t.standard) for t in targets])
            if n == 0:  # over every visit: the supervisor's schools
                row.schools = schools
            for k, i in enumerate(indexes):
                visits, visited, met = figures[3 * k : 3 * k + 3]
                row.targets[i] = TargetFigures(targets[i].standard, visits, visited, met)
    return list(rows.values())


def _start(
    conn: sqlite3.Connection, term: Term, params: dict
) -> tuple[list[TargetScope], Callable[[], list[SupervisorRow]]]:
    """The targets, and a function that returns the per-supervisor rows of the summary
    (:func:`supervisor_figures`), counted meanwhile on a helper connection when the term is big
    (progress.term_snapshot opened one for it)."""
    from nitet_cli.db import on_helper

    targets = _targets(conn)
    pending = on_helper(conn, lambda helper: supervisor_figures(helper, term, targets))

    def rows() -> list[SupervisorRow]:
        return pending.result() if pending is not None else supervisor_figures(conn, term, targets)

    return targets, rows


def term_and_group_progress(conn: sqlite3.Connection, term: Term, today: date) -> tuple[TermProgress, GroupProgress]:
    """The term's figures (progress.term_progress) and the group's, sharing what both count:
    the per-supervisor pass starts first on its own connection, the group's coverage of each
    target and its schools reached are taken from the term's figures, not counted again."""
    params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
    with term_snapshot(conn, term, supervisors=True):  # every figure from one state of the database
        started = _start(conn, term, params)
        progress = term_progress(conn, term, today)
        return progress, _group_progress(conn, term, params, started, progress)


def _together(progress: TermProgress, targets: list[TargetScope]) -> list[TargetFigures]:
    """The group's coverage of each target: every school it covers with everyone's visits
    together, from progress.py's rows of every covered school (one pass over them); sets each
    target's ``target_schools``."""
    rows: dict[str, list] = {}
    for r in progress.schools:
        rows.setdefault(r.standard, []).append(r)
    together = []
    for target in targets:
        mine = rows.get(target.standard, [])
        target.target_schools = len(mine)
        together.append(
            TargetFigures(
                target.standard,
                visits=sum(r.visits for r in mine),
                schools_visited=sum(r.visits > 0 for r in mine),
                schools_met=sum(r.met for r in mine),
            )
        )
    return together


def _group_progress(
    conn: sqlite3.Connection, term: Term, params: dict, started: tuple, progress: TermProgress
) -> GroupProgress:
    targets, supervisor_rows = started
    people: dict[int | None, SupervisorFigures] = {}
    for r in conn.execute(
        "SELECT id, uuid, name, position, office, is_self FROM supervisors ORDER BY is_self DESC, name, id"
    ):
        people[r[0]] = SupervisorFigures(r[0], r[1], r[2], r[3], r[4], bool(r[5]))

    def person(supervisor_id) -> SupervisorFigures:
        found = people.get(supervisor_id)
        if found is None:  # an entry without a supervisor, or one pointing to a missing row
            found = people.setdefault(None, SupervisorFigures(None, "", UNKNOWN_SUPERVISOR))
        return found

    for sid, count in conn.execute(_ACTIVITIES, params):
        person(sid).activities += count
    for sid, count, photos in conn.execute(_EVIDENCE, params):
        p = person(sid)
        p.evidence += count
        p.photos += photos

    group = SupervisorFigures(None, "", "รวมทั้งกลุ่ม")
    group.targets = _together(progress, targets)
    group.schools = progress.schools_reached

    per: dict[int | None, list[TargetFigures]] = {}
    for row in supervisor_rows():
        p = person(row.supervisor)
        p.schools += row.schools  # (two missing supervisors folded into one row: an upper bound)
        mine = per.setdefault(p.id, [TargetFigures(t.standard) for t in targets])
        for total, one in zip(mine, row.targets):
            total.visits += one.visits
            total.schools_visited += one.schools_visited
            total.schools_met += one.schools_met
    everywhere = next((i for i, t in enumerate(targets) if t.every_visit and not t.school_groups), None)
    group.every_visit_everywhere = everywhere
    for p in people.values():
        p.targets = per.get(p.id) or [TargetFigures(t.standard) for t in targets]
        p.every_visit_everywhere = everywhere

    group.activities = sum(p.activities for p in people.values())
    group.evidence = sum(p.evidence for p in people.values())
    group.photos = sum(p.photos for p in people.values())

    ordered = sorted(people.values(), key=lambda p: (not p.is_self, p.id is None, p.name))
    return GroupProgress(term, ordered, group, targets)
