"""Issue 6: readable views (migration m003_views) for `datasette nitet.db` and other SQLite browsers."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from conftest import Nitet
from exchange_data import SCHOOLS, query, supervisor_db

from nitet_cli.db import connect
from nitet_cli.terms import set_term, term_of

VIEWS = {"activity_terms", "activities_readable", "visits_per_school_term", "evidence_readable", "standards_readable"}


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    return supervisor_db(tmp_path / "a" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "work", visits=3).db_path


def rows(db, sql, params=()):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def test_views_exist_in_a_new_database(db):
    names = {r[0] for r in query(db, "SELECT name FROM sqlite_master WHERE type = 'view'")}
    assert VIEWS <= names


def test_activities_readable(db):
    found = rows(db, "SELECT * FROM activities_readable ORDER BY date, id")
    assert len(found) == 4
    first = found[0]
    assert first["date"] == "2026-11-02" and first["date_be"] == "2 พ.ย. 2569"
    assert (first["academic_year"], first["term"]) == (2569, 2)
    assert first["supervisor"] == "นางสาวมาลี ใจดี"
    assert first["standards"] == "7.3" and found[1]["standards"] == "7.3, 7.4"
    assert first["schools"] == "โรงเรียนบ้านคู่, โรงเรียนบ้านดอยฮาง"
    assert first["evidence"] == 2 and found[3]["evidence"] == 0 and found[3]["schools"] is None
    assert first["title"].startswith("นิเทศการอ่านออกเขียนได้ ครั้งที่ 1")


@pytest.mark.parametrize(
    "iso, expected",
    [
        ("2026-01-01", "1 ม.ค. 2569"),
        ("2026-05-16", "16 พ.ค. 2569"),
        ("2027-12-31", "31 ธ.ค. 2570"),
        ("2026-09-09", "9 ก.ย. 2569"),
    ],
)
def test_be_dates_match_the_documents(db, iso, expected):
    from nitet_cli.thai import thai_date_short

    conn = sqlite3.connect(db)
    conn.execute("UPDATE activities SET date = ? WHERE id = 1", (iso,))
    conn.commit()
    conn.close()
    shown = rows(db, "SELECT date_be FROM activities_readable WHERE id = 1")[0]["date_be"]
    assert shown == expected == thai_date_short(iso, digits=False)


def test_terms_in_views_agree_with_the_terms_module(db):
    """Every day of two years, with the office's announced dates for some terms (leaving a break)."""
    conn = connect(db)
    try:
        set_term(conn, 2569, 1, date(2026, 5, 18), date(2026, 10, 9))  # announced: 10–31 Oct is a break
        set_term(conn, 2569, 2, date(2026, 11, 2), date(2027, 3, 31))
        first = date(2026, 1, 1)
        days = [first + timedelta(days=n) for n in range(0, 730, 3)] + [
            date(2026, 10, 9),
            date(2026, 10, 10),
            date(2026, 5, 17),
        ]
        expected = {}
        with conn:
            for n, day in enumerate(days):
                uuid = f"00000000-0000-4000-8000-{n:012d}"
                cur = conn.execute(
                    "INSERT INTO activities (uuid, date, title, created_at, updated_at) VALUES (?, ?, 'ทดสอบ', 'x', 'x')",
                    (uuid, day.isoformat()),
                )
                term = term_of(conn, day)
                expected[cur.lastrowid] = (term.year, term.term) if term else (None, None)
        got = {
            r["activity_id"]: (r["academic_year"], r["term"])
            for r in conn.execute(
                "SELECT * FROM activity_terms WHERE activity_id IN (%s)" % ",".join(map(str, expected))
            )
        }
    finally:
        conn.close()
    assert got == expected
    assert (None, None) in expected.values()  # the break is there, and seen the same way


def test_visits_per_school_term_counts_every_school(db):
    found = rows(db, "SELECT * FROM visits_per_school_term ORDER BY school_code")
    assert [r["school_code"] for r in found] == sorted(s.code for s in SCHOOLS)  # unvisited schools too
    by_code = {r["school_code"]: r for r in found}
    # visit 0: 57010001 + 05701002, visit 1: 05701002, visit 2: 57010003
    assert by_code["05701002"]["visits"] == 2 and by_code["57010001"]["visits"] == 1
    assert by_code["57010003"]["visits"] == 1 and by_code["57010004"]["visits"] == 0
    assert by_code["57010004"]["last_date"] is None and by_code["57010004"]["supervisors"] is None
    assert by_code["05701002"]["last_date"] == "2026-11-03"
    assert {(r["academic_year"], r["term"]) for r in found} == {(2569, 2)}
    assert by_code["05701002"]["supervisors"] == "นางสาวมาลี ใจดี"
    # Cross-check the counts with the tables themselves.
    for code, r in by_code.items():
        direct = query(
            db,
            "SELECT count(*) FROM activity_schools x JOIN activities a ON a.id = x.activity_id WHERE x.school_code = ? AND a.kind = 'visit'",
            (code,),
        )[0][0]
        assert r["visits"] == direct


def test_visits_per_school_term_on_a_merged_database(db, tmp_path):
    other = supervisor_db(
        tmp_path / "b" / "nitet.db", "นายสมชาย รักเรียน", tmp_path / "work-b", schools=SCHOOLS[:2], visits=2
    )
    group = tmp_path / "group.db"
    Nitet(group)("merge", db, other.db_path, "--into", group)
    by_code = {r["school_code"]: r for r in rows(group, "SELECT * FROM visits_per_school_term")}
    assert by_code["57010001"]["visits"] == 2  # one each
    assert sorted(by_code["57010001"]["supervisors"].split(",")) == ["นางสาวมาลี ใจดี", "นายสมชาย รักเรียน"]
    supervisors = {r["supervisor"] for r in rows(group, "SELECT supervisor FROM activities_readable")}
    assert supervisors == {"นางสาวมาลี ใจดี", "นายสมชาย รักเรียน"}


def test_evidence_and_standards_readable(db):
    evidence = rows(db, "SELECT * FROM evidence_readable ORDER BY id")
    assert len(evidence) == 6
    photo = evidence[0]
    assert photo["kind"] == "file" and photo["original_name"].endswith(".jpg") and photo["media_type"] == "image/jpeg"
    sha = query(db, "SELECT sha256 FROM evidence WHERE id = ?", (photo["id"],))[0][0]
    assert photo["stored_as"] == f"{sha[:2]}/{sha}.jpg"  # m013: stored files keep their extension
    assert (db.parent / "nitet-evidence" / photo["stored_as"]).is_file()
    assert (
        evidence[1]["kind"] == "link" and evidence[1]["url"].startswith("https://") and evidence[1]["stored_as"] is None
    )
    standards = {r["id"]: r for r in rows(db, "SELECT * FROM standards_readable")}
    assert len(standards) == 43
    assert standards["7.3"]["activities"] == 3 and standards["7.4"]["activities"] == 2
    assert standards["7.4"]["last_date"] == "2026-11-20" and standards["1.1"]["activities"] == 0
    assert standards["7.3"]["duty"].startswith("งานนิเทศ")


# --- issue 13 (7): Datasette filters with text ----------------------------------------------------

# What Datasette runs for ?academic_year=2569&term=2 (its "exact" filter): the values as text.
DATASETTE_FILTER = 'SELECT * FROM "visits_per_school_term" WHERE "academic_year" = :p0 AND "term" = :p1'


def test_a_text_filter_as_datasette_sends_it_finds_the_rows(db):
    as_text = rows(db, DATASETTE_FILTER, {"p0": "2569", "p1": "2"})
    as_numbers = rows(db, DATASETTE_FILTER, {"p0": 2569, "p1": 2})
    assert len(as_text) == len(SCHOOLS) and as_text == as_numbers
    assert rows(
        db, 'SELECT id FROM activities_readable WHERE "academic_year" = :p0 AND "term" = :p1', {"p0": "2569", "p1": "2"}
    )
    assert rows(db, 'SELECT id FROM activities_readable WHERE "evidence" = :p0', {"p0": "2"})
    assert rows(
        db, 'SELECT id FROM standards_readable WHERE "retired" = :p0 AND "activities" = :p1', {"p0": "0", "p1": "3"}
    )


def test_every_number_in_every_view_is_found_by_its_text(db):
    """Whatever view and column a person filters on in Datasette, a number shown finds its row."""
    conn = sqlite3.connect(db)
    try:
        for view in sorted(VIEWS):
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{view}])")]
            for row in conn.execute(f"SELECT * FROM [{view}]").fetchall():
                for column, value in zip(columns, row):
                    if isinstance(value, int):
                        found = conn.execute(
                            f'SELECT count(*) FROM [{view}] WHERE "{column}" = :p0', {"p0": str(value)}
                        )
                        assert found.fetchone()[0] >= 1, (view, column, value)
    finally:
        conn.close()


def test_datasette_itself_filters_the_view(db):
    datasette = pytest.importorskip("datasette.app")
    import asyncio

    async def fetch():
        ds = datasette.Datasette([str(db)])
        response = await ds.client.get("/nitet/visits_per_school_term.json?academic_year=2569&term=2&_shape=array")
        return response.json()

    found = asyncio.run(fetch())
    assert len(found) == len(SCHOOLS)
