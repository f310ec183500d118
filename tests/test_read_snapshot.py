"""Issue 9, item 9: ``report`` and ``status`` read a term from one snapshot of the database.

A writer (cron, a colleague's ``log-visit``) that commits while a report is being read
used to show up in some of the report's queries and not in others: a ``KeyError`` in
``report._entries`` (the entry came after the query that listed the entries, before the
one that listed their standards), or figures that add up to no state the database was
ever in. These tests force the interleaving — the write commits between two of the
report's own queries, through a connection that runs the write just before a chosen
query — instead of hoping for a lucky timing, and require the result to be the figures
of one moment: all of them before the write (or after it).
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from term_data import build_term

from nitet_cli import db as db_module


class Interleaved:
    """A connection that commits ``write()`` (on a connection of its own) just before the
    first query on it whose SQL contains ``marker`` — once: ``done`` is shared by the
    connections of one test, so the commands run after it see the write and make none."""

    def __init__(self, conn: sqlite3.Connection, marker: str, write, done: list):
        self._conn, self._marker, self._write, self._done = conn, marker, write, done
        self.fired = False

    def execute(self, sql, *args):
        if not self._done and self._marker in sql:
            self._done.append(True)
            self.fired = True
            self._write()
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def another_visit(db_path, connect=db_module.connect):
    """The write another process makes: a visit this term, at a school, with a link."""

    def write():
        from nitet_cli.activities import EvidenceInput, NewActivity, add_activity

        other = connect(db_path)
        try:
            add_activity(
                other,
                db_path,
                NewActivity(
                    date(2026, 11, 20),
                    "นิเทศระหว่างทำรายงาน",
                    ["7.3"],
                    ["57010003"],
                    evidence=[EvidenceInput(url="https://example.org/x", caption="ลิงก์")],
                ),
            )
        finally:
            other.close()

    return write


@pytest.fixture
def term(initialised, tmp_path):
    build_term(initialised.db_path, tmp_path / "files")
    return initialised


def interleave(monkeypatch, db_path, marker: str) -> list[Interleaved]:
    """Every connection the CLI opens from now on commits another visit before ``marker``."""
    made: list[Interleaved] = []
    real, done = db_module.connect, []

    def connect(path, **kwargs):
        conn = Interleaved(real(path, **kwargs), marker, another_visit(db_path, real), done)
        made.append(conn)
        return conn

    monkeypatch.setattr(db_module, "connect", connect)
    return made


def without_dates(report: dict) -> dict:
    return {k: v for k, v in report.items() if k != "report"}


@pytest.mark.parametrize(
    "marker",
    [
        "JOIN activity_standards x ON x.activity_id = a.id",  # between _entries' first and second query
        "JOIN evidence e ON e.activity_id = a.id",  # before _entries' last query
        "GROUP BY standards",  # inside term_progress, after its totals
        "FROM supervisors ORDER BY is_self",  # inside the group's figures
    ],
)
def test_report_made_while_another_process_writes_is_one_moment(term, tmp_path, monkeypatch, marker):
    term("report", "--format", "json", "-o", tmp_path / "before.json")
    before = _read(tmp_path / "before.json")
    made = interleave(monkeypatch, term.db_path, marker)
    term("report", "--format", "json", "-o", tmp_path / "during.json")
    assert made and made[0].fired  # the write did come in the middle of the report
    term("report", "--format", "json", "-o", tmp_path / "after.json")
    during, after = _read(tmp_path / "during.json"), _read(tmp_path / "after.json")
    assert after["totals"]["activities"] == before["totals"]["activities"] + 1
    assert without_dates(during) in (without_dates(before), without_dates(after))  # one moment, not half of each


def test_docx_report_made_while_another_process_writes(term, tmp_path, monkeypatch):
    """The DOCX path: today's code raised KeyError in report._entries here."""
    interleave(monkeypatch, term.db_path, "JOIN activity_schools y ON y.activity_id = a.id")
    result = term("report", "-o", tmp_path / "r.docx")
    assert result.exit_code == 0 and (tmp_path / "r.docx").exists()


@pytest.mark.parametrize(
    "marker",
    [
        "GROUP BY standards",
        "SELECT code, name, school_group FROM schools ORDER BY",
        "FROM supervisors ORDER BY is_self",
    ],
)
def test_status_while_another_process_writes_is_one_moment(term, monkeypatch, marker):
    before = term.json("status")
    made = interleave(monkeypatch, term.db_path, marker)
    during = term.json("status")
    assert made[0].fired
    after = term.json("status")
    assert after["totals"]["activities"] == before["totals"]["activities"] + 1
    assert during in (before, after)


def test_parallel_counts_read_the_same_snapshot(term, monkeypatch):
    """A big term counts on helper connections in parallel: a write that commits while they
    are being lined up with the main connection is seen by all of them or by none (the
    lining-up starts again), never by one only."""
    from nitet_cli import progress

    before = term.json("status")
    monkeypatch.setattr(progress, "PARALLEL_FROM", 0)
    helpers_opened = []
    real_open = db_module._open_helper
    monkeypatch.setattr(db_module, "_open_helper", lambda main: helpers_opened.append(1) or real_open(main))
    # The helpers have begun reading; the write commits before the main connection begins.
    made = interleave(monkeypatch, term.db_path, "BEGIN")
    during = term.json("status")
    assert made[0].fired and len(helpers_opened) == 2
    after = term.json("status")
    assert after != before
    assert during == after  # every count saw the write: none of them is a moment behind


def test_parallel_report_while_another_process_writes(term, tmp_path, monkeypatch):
    from nitet_cli import progress

    before = term.json("status")
    monkeypatch.setattr(progress, "PARALLEL_FROM", 0)
    interleave(monkeypatch, term.db_path, "GROUP BY standards")
    term("report", "--format", "json", "-o", tmp_path / "during.json")
    during = _read(tmp_path / "during.json")
    after = term.json("status")
    assert after["totals"] != before["totals"]
    during["totals"].pop("teachers")  # the report's totals add the teachers of its entries to status's
    assert (during["totals"], during["supervisors"]) in (
        (before["totals"], before["supervisors"]),
        (after["totals"], after["supervisors"]),
    )


def test_snapshot_helpers_are_closed_and_the_transaction_ended(initialised):
    """After a read, the connection is out of its read transaction (a later write is not
    blocked by a snapshot left open) and the helpers are gone."""
    from nitet_cli.db import connect, read_snapshot

    conn = connect(initialised.db_path)
    try:
        with read_snapshot(conn, helpers=2):
            assert conn.in_transaction
            assert len(db_module._snapshots[id(conn)].helpers) == 2
        assert not conn.in_transaction and id(conn) not in db_module._snapshots
        with pytest.raises(ZeroDivisionError):
            with read_snapshot(conn, helpers=1):
                1 / 0
        assert not conn.in_transaction and not db_module._snapshots
    finally:
        conn.close()


def _read(path):
    import json

    return json.loads(path.read_text(encoding="utf-8"))
