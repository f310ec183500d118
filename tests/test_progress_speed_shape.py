"""Issue 5: the summary tables behind ``nitet status`` (migration m004) stay equal to a
recount after every kind of write — recording, editing, evidence, deleting, import,
merge, and SQL typed by hand with cascades. Behaviour only: speed is measured in bench/.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import Nitet
from exchange_data import later, supervisor_db
from term_data import build_term


def recount(db: Path) -> tuple[dict, dict]:
    """progress_sets and progress_visits (with m006's supervisor, and m009's '' rows of every visit) as they
    should be, counted in Python from the rows."""
    conn = sqlite3.connect(db)
    try:
        dates = {
            r[0]: (r[1], r[2]) for r in conn.execute("SELECT id, date, coalesce(supervisor_id, 0) FROM activities")
        }
        standards: dict[int, set] = defaultdict(set)
        for activity, standard in conn.execute("SELECT activity_id, standard_id FROM activity_standards"):
            standards[activity].add(standard)
        schools: dict[int, list] = defaultdict(list)
        for activity, school in conn.execute("SELECT activity_id, school_code FROM activity_schools"):
            schools[activity].append(school)
        evidence = Counter(r[0] for r in conn.execute("SELECT activity_id FROM evidence"))
    finally:
        conn.close()
    sets: dict[tuple, list] = defaultdict(lambda: [0, 0])
    visits: Counter = Counter()
    for activity, (day, supervisor) in dates.items():
        if standards[activity]:
            row = sets[(day, " ".join(sorted(standards[activity])))]
            row[0] += 1
            row[1] += evidence[activity]
        for school in schools[activity]:
            for standard in standards[activity] | {""}:  # '' : every visit, whatever its standards (m009)
                visits[(standard, school, day, supervisor)] += 1
    return {k: tuple(v) for k, v in sets.items()}, dict(visits)


def stored(db: Path) -> tuple[dict, dict]:
    conn = sqlite3.connect(db)
    try:
        sets = {
            (d, s): (a, e)
            for d, s, a, e in conn.execute("SELECT date, standards, activities, evidence FROM progress_sets")
        }
        visits = {
            (s, c, d, p): v
            for s, c, d, p, v in conn.execute("SELECT standard, school, date, supervisor, visits FROM progress_visits")
        }
    finally:
        conn.close()
    return sets, visits


def assert_summary_is_a_recount(db: Path) -> None:
    sets, visits = stored(db)
    expected_sets, expected_visits = recount(db)
    assert sets == expected_sets
    assert visits == expected_visits  # also: no row left at zero


@pytest.fixture
def term(initialised, tmp_path):
    build_term(initialised.db_path, tmp_path / "files")
    return initialised


def test_summary_after_recording(term):
    assert_summary_is_a_recount(term.db_path)
    sets, visits = stored(term.db_path)
    assert any(" " in standards for _day, standards in sets)  # the entry with two standards
    assert sum(e for _a, e in sets.values()) > 0 and visits


def test_summary_after_a_mix_of_writes(term, tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 another photo")
    new = term.json(
        "log-visit",
        "-s",
        "57010001",
        "-s",
        "57010005",
        "--standard",
        "7.3",
        "--standard",
        "8.3",
        "-t",
        "นิเทศ PLC",
        "--date",
        "2026-11-10",
        "-e",
        str(photo),
        "--link",
        "https://example.org/a",
    )
    meeting = term.json("log", "1.2", "-t", "ประชุม", "-k", "meeting", "--date", "2026-11-11")
    assert_summary_is_a_recount(term.db_path)

    term("edit", str(new["id"]), "--date", "2026-11-12")  # another day
    term("edit", str(new["id"]), "--standard", "7.4")  # another set of standards
    term("edit", str(new["id"]), "-s", "57010002", "-s", "57010003")  # other schools
    term("edit", str(meeting["id"]), "-s", "57010006")  # a school for the meeting
    assert_summary_is_a_recount(term.db_path)
    term("edit", str(meeting["id"]), "--no-school")
    term("edit", str(new["id"]), "--date", "2026-05-20")  # into the other term
    assert_summary_is_a_recount(term.db_path)

    added = term.json("evidence", "add", str(meeting["id"]), "https://example.org/b", "https://example.org/c")
    assert_summary_is_a_recount(term.db_path)
    first = added["evidence"][0]["id"] if isinstance(added, dict) and "evidence" in added else added[0]["id"]
    term("evidence", "remove", str(first), "--yes")
    assert_summary_is_a_recount(term.db_path)

    term("delete", str(new["id"]), "--yes")
    assert_summary_is_a_recount(term.db_path)
    # Every figure of `status` still equals a plain count (tests/test_status.py does the per-standard check).
    data = term.json("status")
    assert (
        data["totals"]["activities"]
        == term.query("SELECT count(*) FROM activities WHERE date BETWEEN '2026-11-01' AND '2027-05-15'")[0][0]
    )


def test_summary_after_sql_by_hand(term):
    """Rows written without nitet (a browser, a script): cascades, renamed school codes,
    entries without standards, evidence moved between entries."""
    conn = sqlite3.connect(term.db_path)
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        conn.execute(
            "INSERT INTO activities (id, uuid, date, title, created_at, updated_at)"
            " VALUES (900, '99999999-0000-4000-8000-000000000900', '2026-11-15', 'ไม่มีมาตรฐาน', 'x', 'x')"
        )
        conn.executemany("INSERT INTO activity_schools VALUES (900, ?)", [("57010006",), ("57010001",)])
        conn.commit()
        assert_summary_is_a_recount(term.db_path)
        conn.execute("INSERT INTO activity_standards VALUES (900, '8.3')")  # its schools leave the '' row
        conn.execute("INSERT INTO activity_standards VALUES (900, '1.1')")
        conn.commit()
        assert_summary_is_a_recount(term.db_path)
        conn.execute("DELETE FROM activity_standards WHERE activity_id = 900")
        conn.commit()
        assert_summary_is_a_recount(term.db_path)
        conn.execute("INSERT INTO activity_standards VALUES (900, '7.3')")
        conn.execute(
            "INSERT INTO evidence (uuid, activity_id, kind, url, created_at) VALUES ('e-900', 900, 'link', 'https://x', 'x')"
        )
        conn.execute("UPDATE evidence SET activity_id = 900 WHERE id = (SELECT min(id) FROM evidence)")
        conn.commit()
        assert_summary_is_a_recount(term.db_path)
        conn.execute(
            "INSERT INTO supervisors (id, uuid, name, updated_at) VALUES (77, '77777777-0000-4000-8000-000000000077', 'อีกคน', 'x')"
        )
        conn.execute("UPDATE activities SET supervisor_id = 77 WHERE id = 900")  # another supervisor's entry
        conn.execute(
            "UPDATE activities SET supervisor_id = NULL WHERE id = (SELECT max(id) FROM activities WHERE id < 900)"
        )
        conn.commit()
        assert_summary_is_a_recount(term.db_path)
        assert {r[0] for r in conn.execute("SELECT supervisor FROM progress_visits")} >= {0, 77}
        conn.execute("UPDATE schools SET code = '57019999' WHERE code = '57010006'")  # ON UPDATE CASCADE
        conn.execute("UPDATE activities SET date = '2026-12-01' WHERE id = 900")
        conn.commit()
        assert_summary_is_a_recount(term.db_path)
        conn.execute("DELETE FROM activities WHERE id = 900")  # ON DELETE CASCADE: standards, schools, evidence
        conn.execute("DELETE FROM activities WHERE id = (SELECT min(id) FROM activities)")
        conn.commit()
        assert_summary_is_a_recount(term.db_path)
        with pytest.raises(sqlite3.IntegrityError):  # a link is replaced, never rewritten in place
            conn.execute("UPDATE activity_standards SET standard_id = '1.1' WHERE standard_id = '7.3'")
        conn.rollback()
    finally:
        conn.close()
    assert_summary_is_a_recount(term.db_path)


def test_summary_after_export_import_and_merge(group_dbs, tmp_path):
    a, b = group_dbs
    archive = tmp_path / "a.zip"
    a("export", "-o", archive, "--with-evidence")
    target = Nitet(tmp_path / "target" / "nitet.db")
    target("init")
    target("import", archive)
    assert_summary_is_a_recount(target.db_path)
    target("import", archive)  # importing again changes nothing
    assert_summary_is_a_recount(target.db_path)

    into = tmp_path / "group" / "group.db"
    into.parent.mkdir()
    Nitet(into).json("merge", a.db_path, b.db_path, "--into", into)
    assert_summary_is_a_recount(into)
    b.json("log-visit", "-s", "57010001", "-t", "ครั้งใหม่", "--date", "2026-11-20")
    Nitet(into).json("merge", a.db_path, b.db_path, "--into", into)  # merging again adds only the new entry
    assert_summary_is_a_recount(into)

    # Deletions travel (issue 9): a visit deleted at its source leaves both the target's and the
    # group's figures equal to a recount, with the visit's standards, schools and evidence gone.
    gone = a.query(
        "SELECT id FROM activities WHERE id IN (SELECT activity_id FROM activity_schools) ORDER BY id LIMIT 1"
    )[0][0]
    a("delete", gone, "--yes")
    later = tmp_path / "a-later.zip"
    a("export", "-o", later, "--with-evidence")
    assert target.json("import", later)["activities_deleted"] == 1
    assert_summary_is_a_recount(target.db_path)
    assert Nitet(into).json("merge", a.db_path, b.db_path, "--into", into)["activities_deleted"] == 1
    assert_summary_is_a_recount(into)


def test_summary_after_an_import_and_a_merge_bring_newer_copies_of_entries(group_dbs, tmp_path):
    """The one writer of an entry (activity_rows.write_activity) over an existing entry, as import
    and merge use it: a newer copy moves its entry to another day, other standards and other
    schools, and takes one piece of evidence away and brings another."""
    a, b = group_dbs
    archive = tmp_path / "a.zip"
    a("export", "-o", archive, "--with-evidence")
    target = Nitet(tmp_path / "target" / "nitet.db")
    target("init")
    target("import", archive)
    into = tmp_path / "group" / "group.db"
    into.parent.mkdir()
    Nitet(into).json("merge", a.db_path, b.db_path, "--into", into)

    moved, other = (
        r[0]
        for r in a.query(
            "SELECT id FROM activities WHERE id IN (SELECT activity_id FROM activity_schools) ORDER BY id LIMIT 2"
        )
    )
    a(
        "edit",
        moved,
        "--date",
        "2026-11-20",
        "--standard",
        "7.4",
        "--standard",
        "8.3",
        "-s",
        "57010003",
        "-s",
        "57010004",
    )
    photo = a.query("SELECT id FROM evidence WHERE activity_id = ? AND kind = 'file'", (other,))[0][0]
    a("evidence", "remove", photo, "--yes")
    a("evidence", "add", other, "https://example.org/new")
    conn = sqlite3.connect(a.db_path)
    try:  # later than the copies in the target and the group, whatever the clock's second
        conn.execute("UPDATE activities SET updated_at = ? WHERE id IN (?, ?)", (later(), moved, other))
        conn.commit()
    finally:
        conn.close()
    later_zip = tmp_path / "a-later.zip"
    a("export", "-o", later_zip, "--with-evidence")

    result = target.json("import", later_zip)
    assert result["activities_updated"] == 2 and result["evidence_added"] == 1
    assert_summary_is_a_recount(target.db_path)
    result = Nitet(into).json("merge", a.db_path, b.db_path, "--into", into)
    assert result["activities_updated"] == 2 and result["evidence_added"] == 1
    assert_summary_is_a_recount(into)
    uuid = a.query("SELECT uuid FROM activities WHERE id = ?", (moved,))[0][0]
    other_uuid = a.query("SELECT uuid FROM activities WHERE id = ?", (other,))[0][0]
    evidence = sorted(a.query("SELECT uuid FROM evidence WHERE activity_id = ?", (other,)))
    for db in (target.db_path, into):
        conn = sqlite3.connect(db)
        try:
            assert (
                sorted(
                    conn.execute(
                        "SELECT e.uuid FROM evidence e JOIN activities a ON a.id = e.activity_id WHERE a.uuid = ?",
                        (other_uuid,),
                    ).fetchall()
                )
                == evidence
            )
            row = conn.execute(
                "SELECT a.date, (SELECT group_concat(standard_id) FROM (SELECT standard_id FROM activity_standards"
                " WHERE activity_id = a.id ORDER BY 1)), (SELECT group_concat(school_code) FROM (SELECT school_code"
                " FROM activity_schools WHERE activity_id = a.id ORDER BY 1)) FROM activities a WHERE a.uuid = ?",
                (uuid,),
            ).fetchone()
        finally:
            conn.close()
        assert row == ("2026-11-20", "7.4,8.3", "57010003,57010004")


@pytest.fixture
def group_dbs(tmp_path, monkeypatch):
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    a = supervisor_db(tmp_path / "mali" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "work-a", visits=3)
    b = supervisor_db(tmp_path / "somchai" / "nitet.db", "นายสมชาย รักเรียน", tmp_path / "work-b", visits=2)
    return a, b


@pytest.mark.parametrize("version", [1, 2, 3, 4, 5, 6, 7, 8, 10])
def test_upgrade_fills_the_summary(version, tmp_path):
    """Migrations m004, m006 and m009 fill the summary tables from the rows an older database already has."""
    import shutil

    from nitet_cli.db import connect

    source = Path(__file__).resolve().parent / "fixtures" / f"schema_v{version}.db"
    db = tmp_path / source.name
    shutil.copyfile(source, db)
    connect(db, create=False).close()
    assert_summary_is_a_recount(db)
    sets, visits = stored(db)
    assert sets and visits


def test_per_supervisor_figures_of_a_merged_database(group_dbs, tmp_path):
    """The supervisor column of progress_visits (m006) equals a recount of a group's rows:
    distinct schools per supervisor and together, and visits per standard, supervisor and school."""
    from nitet_cli.db import connect
    from nitet_cli.terms import get_term

    def schools_per_supervisor(conn, term):
        params = {"start": term.start.isoformat(), "end": term.end.isoformat()}
        pairs = (
            "SELECT supervisor, school FROM progress_visits"
            " WHERE date BETWEEN :start AND :end AND visits > 0 GROUP BY supervisor, school"
        )
        sql = (
            f"SELECT 0, nullif(supervisor, 0), count(*) FROM ({pairs}) GROUP BY supervisor"
            f" UNION ALL SELECT 1, NULL, count(DISTINCT school) FROM ({pairs})"
        )
        return [tuple(r) for r in conn.execute(sql, params)]

    def visits_per_supervisor(conn, term, standards):
        names = {f"s{i}": s for i, s in enumerate(standards)}
        params = {"start": term.start.isoformat(), "end": term.end.isoformat(), **names}
        sql = (
            "SELECT standard, nullif(supervisor, 0), school, sum(visits) FROM progress_visits"
            f" WHERE standard IN ({', '.join(':' + n for n in names) or 'NULL'}) AND date BETWEEN :start AND :end"
            " GROUP BY standard, supervisor, school HAVING sum(visits) > 0"
        )
        return [tuple(r) for r in conn.execute(sql, params)]

    a, b = group_dbs
    into = tmp_path / "group" / "group.db"
    into.parent.mkdir()
    Nitet(into).json("merge", a.db_path, b.db_path, "--into", into)
    conn = connect(into)
    try:
        conn.execute(
            "UPDATE activities SET supervisor_id = NULL WHERE id = (SELECT max(activity_id) FROM activity_schools)"
        )
        term = get_term(conn, 2569, 2)
        rows = conn.execute(
            "SELECT a.id, a.supervisor_id, y.school_code FROM activities a JOIN activity_schools y ON y.activity_id = a.id"
            " WHERE a.date BETWEEN ? AND ?",
            (term.start.isoformat(), term.end.isoformat()),
        ).fetchall()
        standards: dict[int, set] = defaultdict(set)
        for activity, standard in conn.execute("SELECT activity_id, standard_id FROM activity_standards"):
            standards[activity].add(standard)

        expected_schools: dict = defaultdict(set)
        expected_visits: Counter = Counter()
        for activity, supervisor, school in rows:
            expected_schools[supervisor].add(school)
            for standard in standards[activity] & {"7.3", "7.4"}:
                expected_visits[(standard, supervisor, school)] += 1
        got = schools_per_supervisor(conn, term)
        assert {sid: n for kind, sid, n in got if kind == 0} == {sid: len(s) for sid, s in expected_schools.items()}
        assert [n for kind, _sid, n in got if kind == 1] == [len({school for _a, _s, school in rows})]
        assert len(expected_schools) == 3  # two supervisors and entries without one
        visits = visits_per_supervisor(conn, term, ["7.3", "7.4"])
        assert {(st, sid, sc): n for st, sid, sc, n in visits} == dict(expected_visits)
        assert visits_per_supervisor(conn, term, []) == []
    finally:
        conn.close()
