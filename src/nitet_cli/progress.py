"""Term progress: what was done against each duty and standard, and school visits against targets.

Every figure is counted by SQLite from the summary tables of migration m004
(progress_sets, progress_visits: per day, kept equal to a recount by triggers in the
same transaction as every write), summed over the term's days; Python only merges a
few hundred aggregated rows with the manual. Nothing here reads the activities
themselves, so a national database of a million entries costs what a term's days
cost, not its size in memory (tests/test_progress_speed_shape.py checks the tables
against a recount after every kind of write).

A *visit* that counts toward a standard's target is an activity linked to that
standard and to that school, dated within the term (any kind: an online session
with a school counts as well). A target with an empty ``school_groups`` list means
every school in the database.

States of a standard (ยังไม่ดำเนินการ / กำลังดำเนินการ / ดำเนินการแล้ว):

- no activity this term → not started;
- with a visit target: done when every school of its groups has met the target,
  else in progress;
- without a target: done when it has at least one activity and one piece of
  evidence, in progress when it has activities but no evidence yet.

A duty is done when all its standards are, not started when none has begun, else
in progress.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import date

from nitet_cli.errors import NotFoundError
from nitet_cli.terms import Term

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"
STATE_LABELS = {NOT_STARTED: "ยังไม่ดำเนินการ", IN_PROGRESS: "กำลังดำเนินการ", DONE: "ดำเนินการแล้ว"}


@dataclass
class SchoolVisits:
    """One school of a target standard's groups, with its visits this term."""

    standard: str
    code: str
    name: str
    group: str
    visits: int
    target: int

    @property
    def met(self) -> bool:
        return self.visits >= self.target

    def as_dict(self) -> dict:
        return {
            "standard": self.standard,
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "visits": self.visits,
            "target": self.target,
            "met": self.visits >= self.target,  # (self.met, without a property call per row)
        }


@dataclass
class StandardProgress:
    id: str
    duty_number: int
    step: int
    activity: str
    standard: str
    target: dict | None
    retired: bool = False
    activities: int = 0
    schools: int = 0
    evidence: int = 0
    target_schools: int = 0  # schools the target covers
    schools_met: int = 0  # of those, how many reached it
    state: str = NOT_STARTED

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def gap(self) -> bool:
        """A visit target not yet met by every school it covers."""
        return self.target is not None and self.schools_met < self.target_schools

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "step": self.step,
            "activity": self.activity,
            "standard": self.standard,
            "target": self.target,
            "retired": self.retired,
            "activities": self.activities,
            "schools": self.schools,
            "evidence": self.evidence,
            "target_schools": self.target_schools if self.target else None,
            "schools_met": self.schools_met if self.target else None,
            "state": self.state,
            "state_label": self.state_label,
        }


@dataclass
class DutyProgress:
    number: int
    title: str
    standards: list[StandardProgress] = field(default_factory=list)
    activities: int = 0  # distinct activities: one linked to two standards of this duty counts once
    schools: int = 0
    evidence: int = 0
    state: str = NOT_STARTED

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "title": self.title,
            "activities": self.activities,
            "schools": self.schools,
            "evidence": self.evidence,
            "state": self.state,
            "state_label": self.state_label,
            "standards": [s.as_dict() for s in self.standards],
        }


@dataclass
class TermProgress:
    term: Term
    today: date
    duties: list[DutyProgress]
    schools: list[SchoolVisits]
    activities: int = 0
    schools_reached: int = 0
    evidence: int = 0
    photos: int = 0

    @property
    def days_left(self) -> int:
        return self.term.days_left(self.today)

    @property
    def standards(self) -> list[StandardProgress]:
        return [s for d in self.duties for s in d.standards]

    @property
    def gaps(self) -> list[SchoolVisits]:
        return [row for row in self.schools if not row.met]

    @property
    def has_gap(self) -> bool:
        return any(s.gap for s in self.standards)

    def as_dict(self) -> dict:
        standards = self.standards
        return {
            "term": self.term.as_dict(),
            "today": self.today.isoformat(),
            "days_left": self.days_left,
            "totals": {
                "activities": self.activities,
                "schools": self.schools_reached,
                "evidence": self.evidence,
                "photos": self.photos,
                "standards": len(standards),
                "standards_done": sum(s.state == DONE for s in standards),
                "standards_in_progress": sum(s.state == IN_PROGRESS for s in standards),
                "standards_not_started": sum(s.state == NOT_STARTED for s in standards),
                "schools_below_target": sum(r.visits < r.target for r in self.schools),
            },
            "duties": [d.as_dict() for d in self.duties],
            "schools": [r.as_dict() for r in self.schools],
        }


# --- SQL --------------------------------------------------------------------------------------

# The figures come from two summary tables of migration m004, kept equal to a recount by
# triggers in the same transaction as every write: progress_sets (per day and set of
# standards of an activity, e.g. "7.3 7.4": activities and evidence) and progress_visits
# (per standard — '' for an entry without one —, school and day: visits). A term is a
# range of days, so every figure is a sum over at most a few hundred days' rows,
# whatever the number of activities.
_IN_TERM = "date BETWEEN :start AND :end"

# Every set of standards used this term ("7.3 7.4"), with its activities and evidence. The
# sets are few (an entry names one or two standards), so Python turns a few hundred rows
# into exact per-standard and per-duty figures: an activity linked to two standards of
# one duty counts once for the duty.
_STANDARD_SETS = f"""
    SELECT standards, sum(activities) AS activities, sum(evidence) AS evidence
    FROM progress_sets WHERE {_IN_TERM}
    GROUP BY standards
"""

# Schools reached, in one pass over the term's rows of progress_visits: the distinct
# (standard, school) pairs, then per standard ('s'), per duty ('d') and in all ('t', with
# the entries that have no standard).
_SCHOOLS = f"""
    WITH pairs AS MATERIALIZED (
        SELECT standard, school FROM progress_visits
        WHERE {_IN_TERM} AND visits > 0
        GROUP BY standard, school
    )
    SELECT 's', standard, count(*) FROM pairs WHERE standard <> '' GROUP BY standard
    UNION ALL
    SELECT 'd', s.duty_number, count(DISTINCT p.school) FROM pairs p JOIN standards s ON s.id = p.standard
    GROUP BY s.duty_number
    UNION ALL
    SELECT 't', NULL, count(DISTINCT school) FROM pairs
"""

# Activities from the date index; evidence driven from the evidence table (far fewer
# rows than activities).
_TOTALS = """
    SELECT
        (SELECT count(*) FROM activities a WHERE a.date BETWEEN :start AND :end) AS activities,
        count(e.id) AS evidence,
        coalesce(sum(e.kind = 'file' AND e.media_type LIKE 'image/%'), 0) AS photos
    FROM evidence e CROSS JOIN activities a ON a.id = e.activity_id
    WHERE a.date BETWEEN :start AND :end
"""

# Every school of a target's groups, visited or not, with its visits for one standard
# (a look-up by the key of progress_visits per school: standard, school, days of the term).
_VISITS = f"""
    SELECT s.code, s.name, s.school_group,
        coalesce((SELECT sum(v.visits) FROM progress_visits v
                  WHERE v.standard = :standard AND v.school = s.code AND v.{_IN_TERM}), 0) AS visits
    FROM schools s
    {{where}}
    ORDER BY s.school_group, s.name, s.code
"""


def _visits(conn: sqlite3.Connection, standard: StandardProgress, params: dict) -> list[SchoolVisits]:
    target = standard.target or {}
    return target_schools(conn, params, standard.id, int(target.get("min_per_term", 1)), list(target.get("school_groups") or []))


def target_schools(conn: sqlite3.Connection, params: dict, standard: str, minimum: int, groups: list[str]) -> list[SchoolVisits]:
    """Every school a target covers (``groups``; empty: every school), with its visits toward
    ``standard`` in the term of ``params`` (start, end)."""
    where = ""
    query_params = {**params, "standard": standard}
    if groups:
        names = [f":g{i}" for i in range(len(groups))]
        where = f"WHERE s.school_group IN ({', '.join(names)})"
        query_params.update({f"g{i}": g for i, g in enumerate(groups)})
    return [
        SchoolVisits(standard, code, name, group, visits, minimum)
        for code, name, group, visits in conn.execute(_VISITS.format(where=where), query_params)
    ]


def school_target_visits(conn: sqlite3.Connection, term: Term, school) -> list[SchoolVisits]:
    """One school's row of every visit target in force that covers it (its group is among the
    target's groups, or the target covers every school), in manual order: the same count as
    ``term_progress`` (through :func:`_visits`), asked for the school's own group only.
    ``school`` is a schools.School."""
    params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
    result = []
    for sid, duty, step, activity, text, target_json in conn.execute(
        "SELECT id, duty_number, step, activity, standard, target FROM standards"
        " WHERE retired_at IS NULL AND target IS NOT NULL ORDER BY position, duty_number, step"
    ):
        target = json.loads(target_json)
        groups = list(target.get("school_groups") or [])
        if target.get("kind") != "school_visits" or (groups and school.school_group not in groups):
            continue
        narrowed = StandardProgress(sid, duty, step, activity, text, {**target, "school_groups": [school.school_group]})
        result.extend(row for row in _visits(conn, narrowed, params) if row.code == school.code)
    return result


def _standards(conn: sqlite3.Connection, used: set[str]) -> tuple[dict[int, DutyProgress], list[StandardProgress]]:
    duties: dict[int, DutyProgress] = {}
    for r in conn.execute("SELECT number, title, retired_at FROM duties ORDER BY position, number"):
        duties[r[0]] = DutyProgress(r[0], r[1])
    standards = []
    for r in conn.execute(
        "SELECT id, duty_number, step, activity, standard, target, retired_at FROM standards ORDER BY position, duty_number, step"
    ):
        retired = r[6] is not None
        if retired and r[0] not in used:
            continue  # a retired row with nothing this term is no longer part of the work
        target = json.loads(r[5]) if r[5] else None
        if target is not None and target.get("kind") != "school_visits":
            target = None
        standards.append(StandardProgress(r[0], r[1], r[2], r[3], r[4], target, retired))
    return duties, standards


# From this many activities in the term, the distinct-school counts run on a second
# connection while the first does the rest (SQLite releases the GIL while it works, so
# each gets a core). Below it, a second connection is not worth opening.
PARALLEL_FROM = 50_000


def _schools_counts(conn: sqlite3.Connection, params: dict) -> tuple[dict, dict, int]:
    """Schools reached per standard, per duty, and in all."""
    per_standard, per_duty, reached = {}, {}, 0
    for kind, key, count in conn.execute(_SCHOOLS, params):
        if kind == "s":
            per_standard[key] = count
        elif kind == "d":
            per_duty[key] = count
        else:
            reached = count
    return per_standard, per_duty, reached


def _in_parallel(conn: sqlite3.Connection, work, params: dict):
    """Run ``work(connection, params)`` on a helper connection reading the same snapshot as
    ``conn`` (:func:`term_snapshot`); None when there is none (run it on ``conn``)."""
    from nitet_cli.db import on_helper

    return on_helper(conn, lambda helper: work(helper, params))


def term_snapshot(conn: sqlite3.Connection, term: Term, *, schools: bool = True, supervisors: bool = False):
    """One read transaction for every figure of ``term`` (db.read_snapshot): a writer that
    commits meanwhile is not half seen. For a big term, a helper connection on the same
    snapshot for each count that runs in parallel: the schools reached (``schools``), the
    per-supervisor pass of group_progress (``supervisors``)."""
    from nitet_cli import group_progress
    from nitet_cli.db import read_snapshot

    helpers = 0
    if not conn.in_transaction and (schools or supervisors):
        params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
        size = group_progress._term_size(conn, params)
        helpers = (schools and size >= PARALLEL_FROM) + (supervisors and size >= group_progress.PARALLEL_FROM)
    return read_snapshot(conn, helpers=helpers)


def _count(conn: sqlite3.Connection, params: dict):
    """Per standard (activities, evidence), per duty (activities, evidence), the totals, and
    a function that returns the schools reached (per standard, per duty, in all) — counted
    on a second connection meanwhile when the term is big — all counted by SQLite."""
    duty_of = {r[0]: r[1] for r in conn.execute("SELECT id, duty_number FROM standards")}
    totals = conn.execute(_TOTALS, params).fetchone()
    pending = _in_parallel(conn, _schools_counts, params) if totals["activities"] >= PARALLEL_FROM else None
    sets = conn.execute(_STANDARD_SETS, params).fetchall()
    per_standard: dict[str, list[int]] = {}
    per_duty: dict[int, list[int]] = {}
    for standards, activities, evidence in sets:
        ids = set(standards.split(" "))
        for sid in ids:
            counts = per_standard.setdefault(sid, [0, 0])
            counts[0] += activities
            counts[1] += evidence or 0
        for duty in {duty_of.get(sid) for sid in ids} - {None}:
            counts = per_duty.setdefault(duty, [0, 0])
            counts[0] += activities
            counts[1] += evidence or 0

    def schools() -> tuple[dict, dict, int]:
        return pending.result() if pending is not None else _schools_counts(conn, params)

    return per_standard, per_duty, schools, totals


def term_progress(conn: sqlite3.Connection, term: Term, today: date) -> TermProgress:
    """Figures for ``term`` as of ``today`` (days left), every count done in SQL."""
    params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
    with term_snapshot(conn, term):
        per_standard, per_duty, schools, totals = _count(conn, params)
        return _assemble(conn, term, today, params, per_standard, per_duty, schools, totals)


def _assemble(conn, term, today, params, per_standard, per_duty, schools, totals) -> TermProgress:
    duties, standards = _standards(conn, set(per_standard))
    if not standards:
        raise NotFoundError("ยังไม่มีคู่มือในฐานข้อมูล — โหลดด้วย 'nitet init' หรือ 'nitet manual load duties.yaml'")

    school_rows: list[SchoolVisits] = []
    for s in standards:
        s.activities, s.evidence = per_standard.get(s.id, (0, 0))
        if s.target is not None:
            rows = _visits(conn, s, params)
            school_rows.extend(rows)
            s.target_schools = len(rows)
            s.schools_met = sum(r.visits >= r.target for r in rows)
        if s.activities == 0:
            s.state = NOT_STARTED
        elif s.target is not None:
            s.state = DONE if s.schools_met == s.target_schools else IN_PROGRESS
        else:
            s.state = DONE if s.evidence > 0 else IN_PROGRESS
        duty = duties.get(s.duty_number)
        if duty is None:  # a standard whose duty row is missing: keep it visible under its number
            duty = duties[s.duty_number] = DutyProgress(s.duty_number, f"เรื่องที่ {s.duty_number}")
        duty.standards.append(s)

    schools_per_standard, schools_per_duty, reached = schools()
    for s in standards:
        s.schools = schools_per_standard.get(s.id, 0)

    result = []
    for number, duty in duties.items():
        if not duty.standards:
            continue  # a retired duty with nothing this term
        duty.activities, duty.evidence = per_duty.get(number, (0, 0))
        duty.schools = schools_per_duty.get(number, 0)
        states = {s.state for s in duty.standards}
        duty.state = DONE if states == {DONE} else NOT_STARTED if states == {NOT_STARTED} else IN_PROGRESS
        result.append(duty)

    return TermProgress(
        term=term,
        today=today,
        duties=result,
        schools=school_rows,
        activities=totals["activities"],
        schools_reached=reached,
        evidence=totals["evidence"],
        photos=totals["photos"],
    )


def resolve_term(conn: sqlite3.Connection, today: date, year: int | None, term: int | None) -> Term:
    """The term the user asked for; missing parts come from the current term."""
    from nitet_cli.terms import current_term, get_term

    current = current_term(conn, today)
    if year is None and term is None:
        return current
    return get_term(conn, year if year is not None else current.year, term if term is not None else current.term)


# --- per supervisor (a group's merged database), from the same summary ---------------------------
#
# Migration m006 keeps the supervisor in progress_visits (0 for an entry without one), so
# the per-supervisor figures of group_progress.py are read from the summary too instead of
# a pass over the term's activities (tests/test_progress_speed_shape.py holds the
# supervisor column to a recount; tests/test_status_shared_work.py holds
# supervisor_figures to a recount of the entries).

# Everything group_progress.py counts per supervisor, in ONE pass over the term's rows of
# progress_visits read in the order of m007's index (supervisor, school, date, visits),
# grouped by supervisor and school without sorting: per supervisor, the distinct schools,
# and for each target its visits, schools visited and schools that reached the minimum on
# that supervisor's visits alone (a school outside the target's groups does not count).
_PER_SUPERVISOR = f"""
    WITH pairs AS (
        SELECT supervisor{{columns}} FROM progress_visits
        WHERE {_IN_TERM} AND visits > 0
        GROUP BY supervisor, school
    )
    SELECT nullif(supervisor, 0), count(*){{figures}} FROM pairs GROUP BY supervisor
"""


def supervisor_figures_sql(targets: list[tuple[str, int, list[str]]]) -> tuple[str, dict]:
    """The SELECT (and its parameters, without the term's) of :func:`supervisor_figures`."""
    columns, figures, params = [], [], {}
    for i, (standard, minimum, groups) in enumerate(targets):
        params[f"t{i}"], params[f"m{i}"] = standard, minimum
        scope = ""
        if groups:
            names = {f"t{i}g{j}": g for j, g in enumerate(groups)}
            params.update(names)
            scope = f" AND school IN (SELECT code FROM schools WHERE school_group IN ({', '.join(':' + n for n in names)}))"
        columns.append(f", sum(visits) FILTER (WHERE standard = :t{i}{scope}) AS v{i}")
        figures.append(f", coalesce(sum(v{i}), 0), count(v{i}), coalesce(sum(v{i} >= :m{i}), 0)")
    return _PER_SUPERVISOR.format(columns="".join(columns), figures="".join(figures)), params


def supervisor_figures(conn: sqlite3.Connection, term: Term, targets: list[tuple[str, int, list[str]]]) -> list[tuple]:
    """Per supervisor (id, or None for entries without one) of ``term``: the distinct schools
    of their entries, then for each target (standard, minimum visits, school groups — empty:
    every school) three figures: visits toward it at the schools it covers, schools of
    those visited, and schools that reached the minimum on this supervisor's visits alone.
    Rows: ``(supervisor, schools, ((visits, visited, met), …))``, the targets in the given order."""
    sql, params = supervisor_figures_sql(targets)
    params.update(start=term.start.isoformat(), end=term.end.isoformat())
    return [
        (r[0], r[1], tuple(tuple(r[2 + 3 * i : 5 + 3 * i]) for i in range(len(targets))))
        for r in conn.execute(sql, params)
    ]


def schools_reached(conn: sqlite3.Connection, term: Term) -> int:
    """Distinct schools named on the entries of ``term`` (TermProgress.schools_reached alone)."""
    params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
    return conn.execute(f"SELECT count(DISTINCT school) FROM progress_visits WHERE {_IN_TERM} AND visits > 0", params).fetchone()[0]
