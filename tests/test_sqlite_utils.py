"""Issue 14 (7): "browse it with sqlite-utils or Datasette" stays true. A nitet database made
through the CLI (schools, entries, evidence, a follow-up) is opened with
``sqlite_utils.Database``, as Datasette and the ``sqlite-utils`` command open it: every table
and view reads, the views the README promises have the columns it names and rows, and
opening it so changes nothing. sqlite-utils is a test dependency only (README, "Dependencies").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlite_utils  # the test extra (pyproject.toml)

ROOT = Path(__file__).resolve().parent.parent


def promised_views() -> dict[str, set[str]]:
    """The views of the README's "Browsing the database" table and the columns it names."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Browsing the database", 1)[1].split("\n#", 1)[0]
    views = {}
    for row in re.findall(r"^\| `(\w+)` \|[^|]*\|([^|]*)\|$", section, flags=re.M):
        name, cell = row
        cell = re.sub(r"\([^)]*\)", "", cell.split(" — ", 1)[0])
        words = (word.strip() for word in re.split(r",| and ", cell))
        views[name] = {word for word in words if re.fullmatch(r"[a-z][a-z_]*", word)}
    return views


@pytest.fixture
def made_by_the_cli(initialised, tmp_path):
    nitet = initialised
    schools = tmp_path / "schools.csv"
    schools.write_text(
        "code,name,group,district\n"
        "57010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
        "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
        "57010003,โรงเรียนห้วยไร่,บ้านคู่,เมืองเชียงราย\n",
        encoding="utf-8",
    )
    nitet("school", "import", schools)
    photo = tmp_path / "ห้องเรียน.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 a classroom")
    nitet(
        "log-visit", "--school", "บ้านคู่", "--title", "นิเทศการอ่าน ป.๑", "--teachers", "6",
        "-e", photo, "--caption", "ห้อง ป.๑", "--link", "https://drive.google.com/file/d/abc",
        "--follow-up", "จัดมุมรักการอ่าน", "--date", "2026-11-20",
    )  # fmt: skip
    nitet("log-visit", "--school", "ดอยงาม", "--mode", "online", "--title", "ติดตามสื่อออนไลน์", "--date", "2026-11-23")
    nitet("log", "7.2", "8.2", "--kind", "meeting", "--title", "ประชุมวางแผน", "--date", "2026-11-23")
    return nitet


def test_the_readme_promises_five_views_with_their_columns():
    views = promised_views()
    assert set(views) == {
        "activities_readable",
        "visits_per_school_term",
        "evidence_readable",
        "standards_readable",
        "activity_terms",
    }
    assert {"date_be", "supervisor", "standards", "schools", "evidence"} <= views["activities_readable"]
    assert {"academic_year", "term"} == views["activity_terms"]


def test_sqlite_utils_reads_every_table_and_the_promised_views(made_by_the_cli):
    before = made_by_the_cli.snapshot()
    db = sqlite_utils.Database(made_by_the_cli.db_path)
    try:
        tables = set(db.table_names())
        assert {"activities", "schools", "evidence", "supervisors", "standards", "follow_ups"} <= tables
        for name in tables:  # the FTS5 index and the summary tables included, as a browser lists them
            assert db[name].columns, name
            assert len(list(db[name].rows)) == db[name].count
        counts = {name: db[name].count for name in ("activities", "schools", "evidence", "follow_ups")}
        assert counts == {"activities": 3, "schools": 3, "evidence": 2, "follow_ups": 1}

        views = promised_views()
        assert set(views) <= set(db.view_names())
        for name, columns in views.items():
            view = db[name]
            assert columns <= {column.name for column in view.columns}, name
            assert list(view.rows), f"{name} has no rows"

        visit = next(db["activities_readable"].rows_where("title = ?", ["นิเทศการอ่าน ป.๑"]))
        assert (visit["date_be"], visit["academic_year"], visit["term"]) == ("20 พ.ย. 2569", 2569, 2)
        assert (visit["schools"], visit["evidence"], visit["teachers"]) == ("โรงเรียนบ้านคู่", 2, 6)
        assert {row["kind"] for row in db["evidence_readable"].rows} == {"file", "link"}
        stored = next(db["evidence_readable"].rows_where("kind = 'file'"))
        assert (stored["original_name"], stored["caption"]) == ("ห้องเรียน.jpg", "ห้อง ป.๑")

        # As Datasette filters: the value arrives as text (?academic_year=2569&term=2).
        visits = {
            row["school_code"]: row["visits"]
            for row in db.query(
                "SELECT school_code, visits FROM visits_per_school_term WHERE academic_year = :y AND term = :t",
                {"y": "2569", "t": "2"},
            )
        }
        assert visits == {"57010001": 1, "57010002": 1, "57010003": 0}
    finally:
        db.close()
    assert made_by_the_cli.snapshot() == before  # browsing changed nothing
    assert made_by_the_cli("status", "--json").exit_code == 0
