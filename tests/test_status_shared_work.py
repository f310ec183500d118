"""Issue 5 (national status budget): the group's figures come from the summary tables in one
pass per key (group_progress.supervisor_figures over m009's index) and share what term_progress already
counted. These tests hold the figures to a recount from the entries themselves, and check the upgrade notice and the JSON output shape."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from conftest import Nitet
from exchange_data import SCHOOLS, supervisor_db

TODAY = date(2026, 11, 24)


@pytest.fixture
def group(tmp_path, monkeypatch):
    """Two supervisors merged, plus entries that test the edges: one without a supervisor,
    repeat visits by one person at one school (a target met alone), a school outside a
    target's groups, an entry with schools but no standard."""
    from nitet_cli.activities import NewActivity, add_activity
    from nitet_cli.db import connect

    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", TODAY.isoformat())
    a = supervisor_db(tmp_path / "a" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "wa", visits=5)
    b = supervisor_db(tmp_path / "b" / "nitet.db", "นายสมชาย รักเรียน", tmp_path / "wb", schools=SCHOOLS[1:], visits=4)
    into = tmp_path / "group.db"
    merged = Nitet(into)
    merged("merge", a.db_path, b.db_path, "--into", into)
    conn = connect(into)
    try:
        for n, (standards, schools) in enumerate(
            [(["7.3"], ["57010001"]), (["7.3", "6.3"], ["57010001", "57010003"]), (["8.3"], ["57010003"])]
        ):
            add_activity(conn, into, NewActivity(date(2026, 11, 10 + n), f"ไม่มีผู้บันทึก {n}", standards, schools))
        conn.execute(  # schools but no standard (the schema allows it: merged data)
            "INSERT INTO activities (uuid, date, title, created_at, updated_at)"
            " VALUES ('99999999-0000-4000-8000-000000000001', '2026-11-15', 'ไม่มีมาตรฐาน', 'x', 'x')"
        )
        conn.execute("INSERT INTO activity_schools VALUES (last_insert_rowid(), '57010004')")
        conn.execute("PRAGMA foreign_keys = OFF")  # as a damaged or hand-edited file may be
        conn.execute(  # an entry pointing to a supervisor row that is not there (folded with those without one)
            "UPDATE activities SET supervisor_id = 9999 WHERE id = (SELECT max(id) FROM activities WHERE supervisor_id IS NOT NULL)"
        )
    finally:
        conn.close()
    return merged


def _recount(db: Path, start: str, end: str) -> dict:
    """Per supervisor id (None: none or missing), from the entries: schools, and per target
    standard (visits, schools visited, schools met alone) within the target's groups — the
    visits linked to the standard, or every visit for a target with counts: every_visit."""
    conn = sqlite3.connect(db)
    try:
        known = {r[0] for r in conn.execute("SELECT id FROM supervisors")}
        who = {
            r[0]: (r[1] if r[1] in known else None)
            for r in conn.execute("SELECT id, supervisor_id FROM activities WHERE date BETWEEN ? AND ?", (start, end))
        }
        standards = defaultdict(set)
        for activity, standard in conn.execute("SELECT activity_id, standard_id FROM activity_standards"):
            standards[activity].add(standard)
        group_of = dict(conn.execute("SELECT code, school_group FROM schools"))
        targets = {}
        for sid, raw in conn.execute(
            "SELECT id, target FROM standards WHERE target IS NOT NULL AND retired_at IS NULL"
        ):
            target = json.loads(raw)
            every = target.get("counts") == "every_visit"
            targets[sid] = (int(target.get("min_per_term", 1)), set(target.get("school_groups") or []), every)
        schools = defaultdict(set)
        visits = defaultdict(Counter)  # (supervisor, standard) -> school -> visits
        for activity, school in conn.execute("SELECT activity_id, school_code FROM activity_schools"):
            if activity not in who:
                continue
            schools[who[activity]].add(school)
            for standard, (_minimum, groups, every) in targets.items():
                if (every or standard in standards[activity]) and (not groups or group_of[school] in groups):
                    visits[(who[activity], standard)][school] += 1
    finally:
        conn.close()
    result = {}
    for person in set(schools) | {p for p, _s in visits}:
        figures = {}
        for standard, (minimum, _groups, _every) in targets.items():
            mine = visits.get((person, standard), Counter())
            figures[standard] = (sum(mine.values()), len(mine), sum(v >= minimum for v in mine.values()))
        result[person] = (len(schools[person]), figures)
    return result


def _recount_together(db: Path, start: str, end: str) -> tuple[int, dict]:
    """From the entries, everyone together: the distinct schools, and per target standard
    (visits, schools visited, schools met) at the schools the target covers."""
    conn = sqlite3.connect(db)
    try:
        group_of = dict(conn.execute("SELECT code, school_group FROM schools"))
        in_term = {r[0] for r in conn.execute("SELECT id FROM activities WHERE date BETWEEN ? AND ?", (start, end))}
        standards = defaultdict(set)
        for activity, standard in conn.execute("SELECT activity_id, standard_id FROM activity_standards"):
            standards[activity].add(standard)
        visits = [
            (a, s) for a, s in conn.execute("SELECT activity_id, school_code FROM activity_schools") if a in in_term
        ]
        figures = {}
        for sid, raw in conn.execute(
            "SELECT id, target FROM standards WHERE target IS NOT NULL AND retired_at IS NULL"
        ):
            target = json.loads(raw)
            minimum, groups = int(target.get("min_per_term", 1)), set(target.get("school_groups") or [])
            every = target.get("counts") == "every_visit"
            per_school = Counter(
                school
                for activity, school in visits
                if (every or sid in standards[activity]) and (not groups or group_of[school] in groups)
            )
            figures[sid] = (
                sum(per_school.values()),
                len(per_school),
                sum(n >= minimum for n in per_school.values()),
            )
        return len({school for _a, school in visits}), figures
    finally:
        conn.close()


def _figures(group_db: Path, term_number: int | None = None):
    """term_and_group_progress for the current term (or term ``term_number`` of 2569), and
    term_progress counted on its own."""
    from nitet_cli.db import connect
    from nitet_cli.group_progress import term_and_group_progress
    from nitet_cli.progress import resolve_term, term_progress

    conn = connect(group_db)
    try:
        term = resolve_term(conn, TODAY, None if term_number is None else 2569, term_number)
        progress, figures = term_and_group_progress(conn, term, TODAY)
        return term, progress, figures, term_progress(conn, term, TODAY)
    finally:
        conn.close()


@pytest.mark.parametrize("parallel", [False, True])
def test_per_supervisor_figures_equal_a_recount_of_the_entries(group, monkeypatch, parallel):
    from nitet_cli import progress

    if parallel:
        monkeypatch.setattr(progress, "PARALLEL_FROM", 0)
    term, _progress, figures, _alone = _figures(group.db_path)
    expected = _recount(group.db_path, term.start.isoformat(), term.end.isoformat())
    got = {
        p.id: (p.schools, {t.standard: (t.visits, t.schools_visited, t.schools_met) for t in p.targets})
        for p in figures.supervisors
        if p.activities
    }
    assert got == expected
    assert None in got  # the entries without a (known) supervisor have their own row
    assert any(met for _schools, per in got.values() for _v, _n, met in per.values())  # someone met a target alone
    assert any(n < len({s.code for s in SCHOOLS}) for _schools, per in got.values() for _v, n, _m in per.values())


@pytest.mark.parametrize("term_number", [None, 1])
def test_shared_figures_equal_a_recount(group, term_number):
    """status shares the term's counts with the group figures: the term's figures are those
    term_progress counts on its own, and the group's coverage of each target and its schools
    reached equal a recount of the entries, for this term and for another one (none of this
    term's figures leak into it)."""
    term, progress, shared, alone_progress = _figures(group.db_path, term_number)
    assert progress.as_dict() == alone_progress.as_dict()
    schools, figures = _recount_together(group.db_path, term.start.isoformat(), term.end.isoformat())
    assert shared.group.schools == progress.schools_reached == schools
    assert {t.standard: (t.visits, t.schools_visited, t.schools_met) for t in shared.group.targets} == figures
    # the group's coverage of each target is the term's coverage of its schools
    for scope, together in zip(shared.targets, shared.group.targets):
        rows = [r for r in progress.schools if r.standard == scope.standard]
        assert (scope.target_schools, together.visits, together.schools_met) == (
            len(rows),
            sum(r.visits for r in rows),
            sum(r.met for r in rows),
        )
    if term_number == 1:
        assert shared.group.activities == 0 and figures and all(f == (0, 0, 0) for f in figures.values())
    else:
        assert shared.group.activities > 0 and any(v for v, _n, _m in figures.values())


# --- the upgrade notice ------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def _old_database(tmp_path: Path) -> Path:
    fixtures = Path(__file__).resolve().parent / "fixtures"
    target = tmp_path / "old.db"
    shutil.copyfile(fixtures / "schema_v3.db", target)
    return target


def _open(db: Path) -> None:
    """The database opened as every command opens it (cli.common.open_db), then closed: the
    storage layer only hands the notice over; the command line prints it (issue 14)."""
    import typer
    from typer.core import TyperCommand

    from nitet_cli.cli.common import State, open_db

    with typer.Context(TyperCommand("status"), obj=State(db_option=str(db))) as ctx:
        open_db(ctx, create=True)


@pytest.mark.parametrize(
    ("tty", "threshold", "shown"),
    [(True, 0, True), (False, 0, False), (True, 10_000, False)],
    ids=["terminal-big", "pipe-big", "terminal-small"],
)
def test_upgrade_of_a_big_database_says_so_on_a_terminal(tmp_path, monkeypatch, tty, threshold, shown):
    from nitet_cli import migrations

    db = _old_database(tmp_path)
    err = _Terminal(tty)
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr(migrations, "LONG_UPGRADE_FROM", threshold)
    _open(db)
    assert err.getvalue() == (migrations.LONG_UPGRADE_MESSAGE + "\n" if shown else "")
    again = _Terminal(True)
    monkeypatch.setattr("sys.stderr", again)
    _open(db)  # already up to date: nothing to say
    assert again.getvalue() == ""


def test_a_new_database_is_made_without_the_notice(tmp_path, monkeypatch):
    from nitet_cli import migrations

    err = _Terminal(True)
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr(migrations, "LONG_UPGRADE_FROM", 0)
    _open(tmp_path / "new.db")
    assert err.getvalue() == ""


def test_the_storage_layer_prints_nothing_itself(tmp_path, monkeypatch):
    """db.connect and migrations.migrate hand the notice to whoever asked for it, and print nothing."""
    from nitet_cli import migrations
    from nitet_cli.db import connect

    err = _Terminal(True)
    monkeypatch.setattr("sys.stderr", err)
    monkeypatch.setattr(migrations, "LONG_UPGRADE_FROM", 0)
    heard: list[str] = []
    connect(_old_database(tmp_path), announce=heard.append).close()
    assert heard == [migrations.LONG_UPGRADE_MESSAGE] and err.getvalue() == ""
    connect(shutil.copyfile(tmp_path / "old.db", tmp_path / "quiet.db")).close()
    assert err.getvalue() == ""


# --- JSON output -------------------------------------------------------------------------------


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "pipe"])
def test_print_json_is_indented_only_on_a_terminal(monkeypatch, tty):
    from nitet_cli.cli.common import print_json

    data = {"ชื่อ": 'โรงเรียนบ้านคู่ "ตัวอย่าง"', "schools": [{"code": "05701002", "visits": 2, "met": True}], "none": None}
    out = _Terminal(tty)
    monkeypatch.setattr("sys.stdout", out)
    print_json(data)
    text = out.getvalue()
    assert text.endswith("\n") and json.loads(text) == data
    assert "โรงเรียนบ้านคู่" in text  # Thai as it is, not \u escapes
    if tty:
        assert text.startswith('{\n  "ชื่อ": ')
    else:
        assert text.count("\n") == 1 and ", " not in text.replace("บ้านคู่ ", "") and '": ' not in text


def test_status_json_through_a_pipe_is_compact_and_complete(group):
    result = group("status", "--json")
    assert result.stdout.count("\n") == 1
    data = json.loads(result.stdout)
    assert data["totals"]["activities"] > 0 and data["supervisors"] and data["group"]["is_group"] is True
