"""Term progress: what was done against each duty and standard, and school visits against targets.

Every figure is counted by SQLite from the summary tables of migration m004
(progress_sets, progress_visits: per day, kept equal to a recount by triggers in the
same transaction as every write), summed over the term's days; Python only merges a
few hundred aggregated rows with the manual. Nothing here reads the activities
themselves, so a national database of a million entries costs what a term's days
cost, not its size in memory (tests/test_progress_speed_shape.py checks the tables
against a recount after every kind of write).

A *visit* to a school is an activity linked to that school, dated within the term (any
kind: an online session with a school counts as well). A target counts the visits linked
to its standard, or, with ``counts: every_visit`` (6.3, the office-wide target), every
visit to the school whatever standard it was logged under — an entry linked to two
standards is still one visit. A target with an empty ``school_groups`` list means every
school in the database. Every school row also carries the school's visits in all
(``all_visits``), so a school visited under another standard is never shown as not visited.

States of a standard (ยังไม่ดำเนินการ / กำลังดำเนินการ / ดำเนินการแล้ว):

- no activity this term (and, for a target counting every visit, no visit) → not started;
- with a visit target: done when every school of its groups has met the target,
  else in progress (a target counting every visit has begun once a school of its
  groups is visited, even with no entry linked to its own standard);
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
from nitet_cli.manual import NO_MANUAL
from nitet_cli.targets import counts_every_visit, target_groups, target_minimum, visit_target
from nitet_cli.terms import Term

NOT_STARTED, IN_PROGRESS, DONE = "not_started", "in_progress", "done"
STATE_LABELS = {NOT_STARTED: "ยังไม่ดำเนินการ", IN_PROGRESS: "กำลังดำเนินการ", DONE: "ดำเนินการแล้ว"}


@dataclass
class SchoolVisits:
    """One school of a target standard's groups, with the visits that count toward the target
    this term and its visits in all (whatever their standards)."""

    standard: str
    code: str
    name: str
    group: str
    visits: int
    target: int
    all_visits: int = 0

    @property
    def met(self) -> bool:
        return self.visits >= self.target

    @property
    def other_visits(self) -> int:
        """Visits to this school that do not count toward this target (logged under other standards)."""
        return self.all_visits - self.visits

    def as_dict(self) -> dict:
        return {
            "standard": self.standard,
            "code": self.code,
            "name": self.name,
            "group": self.group,
            "visits": self.visits,
            "target": self.target,
            "met": self.visits >= self.target,  # (self.met, without a property call per row)
            "all_visits": self.all_visits,
        }


def coverage_mark(row: SchoolVisits, *, document: bool = False) -> str:
    """What a school's row says beside its visits: met; ยังไม่ได้นิเทศ only for a school with no
    visit at all this term; else below the target (how many short, on screen), with the visits
    it had under other standards, which this target does not count. ``document``: the
    report's words, Thai digits."""
    if row.met:
        return "ถึงเป้าหมาย"
    if row.all_visits == 0:
        return "ยังไม่ได้นิเทศ"
    if document:
        from nitet_cli.thai import thai_digits as digits
    else:
        digits = str
    mark = "ต่ำกว่าเป้าหมาย" if document else f"ขาดอีก {row.target - row.visits} ครั้ง"
    other = row.other_visits
    return f"{mark} (นิเทศในมาตรฐานอื่น {digits(other)} ครั้ง)" if other else mark


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
# (per standard, school and day: visits; under '' every visit whatever its standards, m009). A term is a
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

# Schools reached and visits per school, in one pass over the term's rows of
# progress_visits: the (standard, school) pairs with their visits, then the schools per
# standard ('s'), per duty ('d') and in all ('t': the schools with a row under '', which
# every visit has), and the visits per school ('v') under '' (every visit) and under each
# target standard counting its own visits, at the schools of its groups.
_SCHOOLS = f"""
    WITH pairs AS MATERIALIZED (
        SELECT standard, school, sum(visits) AS visits FROM progress_visits
        WHERE {_IN_TERM} AND visits > 0
        GROUP BY standard, school
    )
    SELECT 's', standard, count(*), NULL FROM pairs WHERE standard <> '' GROUP BY standard
    UNION ALL
    SELECT 'd', s.duty_number, count(DISTINCT p.school), NULL FROM pairs p JOIN standards s ON s.id = p.standard
    GROUP BY s.duty_number
    UNION ALL
    SELECT 't', NULL, count(*), NULL FROM pairs WHERE standard = ''
    UNION ALL
    SELECT 'v', standard, school, visits FROM pairs WHERE standard = ''{{linked}}
"""
_LINKED_VISITS = "\n    UNION ALL\n    SELECT 'v', standard, school, visits FROM pairs WHERE standard = :l{i}{scope}"

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

#: The key of progress_visits under which every visit to a school is counted once, whatever
#: its standards (m009): what a target with ``counts: every_visit`` counts.
EVERY_VISIT_KEY = ""

# Every school of a target's groups, visited or not, with its visits for one standard and
# its visits in all (look-ups by the key of progress_visits per school: standard, school,
# days of the term; for a target counting every visit the two are one look-up).
_VISITS_OF = f"""coalesce((SELECT sum(v.visits) FROM progress_visits v
                  WHERE v.standard = {{key}} AND v.school = s.code AND v.{_IN_TERM}), 0)"""
_VISITS = f"""
    SELECT s.code, s.name, s.school_group, {_VISITS_OF.format(key=":standard")} AS visits{{every}}
    FROM schools s
    {{where}}
    ORDER BY s.school_group, s.name, s.code
"""


def _visits(conn: sqlite3.Connection, standard: StandardProgress, params: dict) -> list[SchoolVisits]:
    """One target's rows by a look-up per school (:func:`target_schools`), for a narrowed target
    (one school's group); term_progress counts every target's rows in its pass (_target_rows)."""
    target = standard.target or {}
    return target_schools(
        conn,
        params,
        standard.id,
        target_minimum(target),
        target_groups(target),
        counts_every_visit(target),
    )


def _target_rows(standard: StandardProgress, every_school: list, visits: dict) -> list[SchoolVisits]:
    """The rows of :func:`target_schools` for one target, from the term's visits per (key,
    school) counted in the pass of _SCHOOLS and every school in order."""
    target = standard.target or {}
    minimum = target_minimum(target)
    groups = set(target_groups(target))
    every_visit = counts_every_visit(target)
    key = EVERY_VISIT_KEY if every_visit else standard.id
    rows = []
    for code, name, group in every_school:
        if groups and group not in groups:
            continue
        n = visits.get((key, code), 0)
        rows.append(
            SchoolVisits(
                standard.id, code, name, group, n, minimum, n if every_visit else visits.get((EVERY_VISIT_KEY, code), 0)
            )
        )
    return rows


def target_schools(
    conn: sqlite3.Connection, params: dict, standard: str, minimum: int, groups: list[str], every_visit: bool = False
) -> list[SchoolVisits]:
    """Every school a target covers (``groups``; empty: every school), with its visits toward
    ``standard`` (``every_visit``: every visit to the school) and its visits in all, in the
    term of ``params`` (start, end)."""
    where = ""
    query_params = {**params, "standard": EVERY_VISIT_KEY if every_visit else standard}
    if groups:
        names = [f":g{i}" for i in range(len(groups))]
        where = f"WHERE s.school_group IN ({', '.join(names)})"
        query_params.update({f"g{i}": g for i, g in enumerate(groups)})
    every = "" if every_visit else f", {_VISITS_OF.format(key=repr(EVERY_VISIT_KEY))} AS all_visits"
    sql = _VISITS.format(where=where, every=every)
    if every_visit:
        return [
            SchoolVisits(standard, code, name, group, visits, minimum, visits)
            for code, name, group, visits in conn.execute(sql, query_params)
        ]
    return [SchoolVisits(standard, *row[:4], minimum, row[4]) for row in conn.execute(sql, query_params)]


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
        target = visit_target(target_json)
        if target is None:
            continue
        groups = target_groups(target)
        if groups and school.school_group not in groups:
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
        standards.append(StandardProgress(r[0], r[1], r[2], r[3], r[4], visit_target(r[5]), retired))
    return duties, standards


#: From this many activities in the term, the distinct-school counts and the per-supervisor pass
#: of group_progress each run on a helper connection (:func:`term_snapshot`) while the first
#: does the rest (SQLite releases the GIL while it works, so each gets a core). Below it, a
#: second connection is not worth opening.
PARALLEL_FROM = 50_000


def _linked_targets(conn: sqlite3.Connection) -> dict[str, dict]:
    """The visit targets of the manual (retired rows too: one still used this term is shown), by standard."""
    targets = {}
    for sid, raw in conn.execute("SELECT id, target FROM standards WHERE target IS NOT NULL"):
        target = visit_target(raw)
        if target is not None:
            targets[sid] = target
    return targets


def _schools_counts(conn: sqlite3.Connection, params: dict, targets: dict[str, dict]) -> tuple[dict, dict, int, dict]:
    """Schools reached per standard, per duty, and in all; and the term's visits per
    (key, school) — key '' for every visit, else a target standard counting its own, at the
    schools of its groups."""
    linked, query_params = [], dict(params)
    for i, (sid, target) in enumerate(t for t in targets.items() if not counts_every_visit(t[1])):
        query_params[f"l{i}"] = sid
        groups = target_groups(target)
        scope = ""
        if groups:
            names = {f"l{i}g{j}": g for j, g in enumerate(groups)}
            query_params.update(names)
            scope = (
                f" AND school IN (SELECT code FROM schools WHERE school_group IN ({', '.join(':' + n for n in names)}))"
            )
        linked.append(_LINKED_VISITS.format(i=i, scope=scope))
    per_standard, per_duty, reached, visits = {}, {}, 0, {}
    for kind, key, count, n in conn.execute(_SCHOOLS.format(linked="".join(linked)), query_params):
        if kind == "v":
            visits[(key, count)] = n
        elif kind == "s":
            per_standard[key] = count
        elif kind == "d":
            per_duty[key] = count
        else:
            reached = count
    return per_standard, per_duty, reached, visits


def _term_size(conn: sqlite3.Connection, params: dict) -> int:
    """About how many activities the term of ``params`` holds (those with a standard), from the summary's key."""
    return conn.execute(
        "SELECT coalesce(sum(activities), 0) FROM progress_sets WHERE date BETWEEN :start AND :end", params
    ).fetchone()[0]


def term_snapshot(conn: sqlite3.Connection, term: Term, *, schools: bool = True, supervisors: bool = False):
    """One read transaction for every figure of ``term`` (db.read_snapshot): a writer that
    commits meanwhile is not half seen. For a big term, a helper connection on the same
    snapshot for each count that runs in parallel: the schools reached (``schools``), the
    per-supervisor pass of group_progress (``supervisors``)."""
    from nitet_cli.db import read_snapshot

    helpers = 0
    if not conn.in_transaction and (schools or supervisors):
        params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
        if _term_size(conn, params) >= PARALLEL_FROM:
            helpers = schools + supervisors
    return read_snapshot(conn, helpers=helpers)


@dataclass
class _Done:
    """Activities and evidence of one standard or duty this term."""

    activities: int = 0
    evidence: int = 0


def _count(conn: sqlite3.Connection, params: dict):
    """Per standard (activities, evidence), per duty (activities, evidence), the totals, and
    a function that returns the schools reached (per standard, per duty, in all) and the
    visits per school — counted on a second connection meanwhile when the term is big — all
    counted by SQLite."""
    from nitet_cli.db import on_helper

    duty_of = {r[0]: r[1] for r in conn.execute("SELECT id, duty_number FROM standards")}
    targets = _linked_targets(conn)
    totals = conn.execute(_TOTALS, params).fetchone()

    def count_schools(connection: sqlite3.Connection, params: dict):
        return _schools_counts(connection, params, targets)

    pending = on_helper(conn, lambda helper: count_schools(helper, params))  # a big term's (term_snapshot)
    sets = conn.execute(_STANDARD_SETS, params).fetchall()
    per_standard: dict[str, _Done] = {}
    per_duty: dict[int, _Done] = {}
    for standards, activities, evidence in sets:
        ids = set(standards.split(" "))
        for counts in [
            *(per_standard.setdefault(sid, _Done()) for sid in ids),
            *(per_duty.setdefault(duty, _Done()) for duty in {duty_of.get(sid) for sid in ids} - {None}),
        ]:
            counts.activities += activities
            counts.evidence += evidence or 0

    def schools() -> tuple[dict, dict, int, dict]:
        return pending.result() if pending is not None else count_schools(conn, params)

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
        raise NotFoundError(NO_MANUAL)

    every_school = []
    if any(s.target is not None for s in standards):
        every_school = conn.execute(
            "SELECT code, name, school_group FROM schools ORDER BY school_group, name, code"
        ).fetchall()
    schools_per_standard, schools_per_duty, reached, visits = schools()

    school_rows: list[SchoolVisits] = []
    for s in standards:
        done = per_standard.get(s.id, _Done())
        s.activities, s.evidence = done.activities, done.evidence
        rows = []
        if s.target is not None:
            rows = _target_rows(s, every_school, visits)
            school_rows.extend(rows)
            s.target_schools = len(rows)
            s.schools_met = sum(r.visits >= r.target for r in rows)
        if s.activities == 0 and not (counts_every_visit(s.target) and any(r.visits for r in rows)):
            s.state = NOT_STARTED
        elif s.target is not None:
            s.state = DONE if s.schools_met == s.target_schools else IN_PROGRESS
        else:
            s.state = DONE if s.evidence > 0 else IN_PROGRESS
        duty = duties.get(s.duty_number)
        if duty is None:  # a standard whose duty row is missing: keep it visible under its number
            duty = duties[s.duty_number] = DutyProgress(s.duty_number, f"เรื่องที่ {s.duty_number}")
        duty.standards.append(s)

    for s in standards:
        s.schools = schools_per_standard.get(s.id, 0)

    result = []
    for number, duty in duties.items():
        if not duty.standards:
            continue  # a retired duty with nothing this term
        done = per_duty.get(number, _Done())
        duty.activities, duty.evidence = done.activities, done.evidence
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


def last_visits(conn: sqlite3.Connection, codes: list[str], until: date) -> dict[str, str]:
    """The day of each school's last visit on or before ``until`` (any term, whatever its
    standards: the every-visit rows of progress_visits, one key look-up a school). Schools
    never visited by then are left out."""
    if not codes:
        return {}
    rows = conn.execute(
        "SELECT j.value, (SELECT max(v.date) FROM progress_visits v"
        "   WHERE v.standard = :key AND v.school = j.value AND v.date <= :until AND v.visits > 0)"
        " FROM json_each(:codes) j",
        {"key": EVERY_VISIT_KEY, "codes": json.dumps(codes), "until": until.isoformat()},
    )
    return {code: day for code, day in rows if day is not None}
