"""Issue 4: ``nitet status`` — figures per duty and standard, school visits against targets."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date

import pytest
from term_data import SCHOOLS, build_term

TERM = ("2026-11-01", "2027-05-15")  # 2/2569 by default; today is 2026-11-24


@pytest.fixture
def term(initialised, tmp_path):
    build_term(initialised.db_path, tmp_path / "files")
    return initialised


def sql_counts(db, standard: str) -> tuple[int, int, int]:
    """Activities, schools reached and evidence of one standard this term, counted the plain way."""
    conn = sqlite3.connect(db)
    try:
        ids = [
            r[0]
            for r in conn.execute(
                "SELECT a.id FROM activities a JOIN activity_standards x ON x.activity_id = a.id"
                " WHERE x.standard_id = ? AND a.date >= ? AND a.date <= ?",
                (standard, *TERM),
            )
        ]
        marks = ",".join("?" * len(ids))
        schools = conn.execute(
            f"SELECT count(DISTINCT school_code) FROM activity_schools WHERE activity_id IN ({marks})", ids
        ).fetchone()[0]
        evidence = conn.execute(f"SELECT count(*) FROM evidence WHERE activity_id IN ({marks})", ids).fetchone()[0]
        return len(ids), schools, evidence
    finally:
        conn.close()


def test_json_figures_equal_sql_counts(term):
    data = term.json("status")
    assert data["term"]["year"] == 2569 and data["term"]["term"] == 2
    assert data["days_left"] == (date(2027, 5, 15) - date(2026, 11, 24)).days + 1  # today counts
    standards = {s["id"]: s for d in data["duties"] for s in d["standards"]}
    assert len(standards) == 43
    for sid, s in standards.items():
        assert (s["activities"], s["schools"], s["evidence"]) == sql_counts(term.db_path, sid), sid
    assert standards["7.3"]["activities"] == 3  # the term-1 visit is not counted
    totals = data["totals"]
    assert totals["activities"] == 6 and totals["schools"] == 3 and totals["photos"] == 4
    duty7 = next(d for d in data["duties"] if d["number"] == 7)
    assert duty7["activities"] == 4  # the entry linked to 7.3 and 7.4 counts once for the duty


def test_states(term):
    standards = {s["id"]: s for d in term.json("status")["duties"] for s in d["standards"]}
    assert standards["1.1"]["state_label"] == "ดำเนินการแล้ว"  # an activity with evidence
    assert standards["7.2"]["state_label"] == "กำลังดำเนินการ"  # an activity, no evidence yet
    assert standards["7.3"]["state_label"] == "กำลังดำเนินการ"  # target not met by every school
    assert standards["5.1"]["state_label"] == "ยังไม่ดำเนินการ"


def test_every_school_of_the_target_group_with_visits(term):
    rows = term.json("status")["schools"]
    by_standard: dict[str, dict] = {}
    for row in rows:
        assert {"code", "name", "visits", "target", "met"} <= set(row)
        by_standard.setdefault(row["standard"], {})[row["code"]] = row
    baan_khu = {code for code, _, group in SCHOOLS if group == "บ้านคู่"}
    assert set(by_standard["7.3"]) == baan_khu
    assert set(by_standard["8.3"]) == {code for code, _, group in SCHOOLS if group == "พื้นที่สูง"}
    assert set(by_standard["6.3"]) == {code for code, _, _ in SCHOOLS}  # an empty group list means every school
    visits = {code: r["visits"] for code, r in by_standard["7.3"].items()}
    assert visits == {"57010001": 2, "57010002": 2, "57010003": 0, "05701004": 0}
    assert by_standard["7.3"]["57010001"]["met"] is True and by_standard["7.3"]["57010003"]["met"] is False
    # 6.3 counts every visit (counts: every_visit): the one linked to 7.3 and 6.3 and the one linked to 7.3 only.
    assert by_standard["6.3"]["57010001"]["visits"] == 2 and by_standard["6.3"]["57010001"]["met"] is True


def test_text_output_marks_schools_never_visited(term):
    out = term("status").stdout
    assert f"เหลืออีก {(date(2027, 5, 15) - date(2026, 11, 24)).days + 1} วัน" in out
    line = next(ln for ln in out.splitlines() if "โรงเรียนบ้านห้วยส้าน" in ln and "0/2" in ln)
    assert "ยังไม่ได้นิเทศ" in line
    assert "✓" in next(ln for ln in out.splitlines() if "โรงเรียนบ้านคู่ [" in ln and "2/2" in ln)


def test_fail_on_gap_exit_code(term):
    result = term("status", "--fail-on-gap", ok=False)
    assert result.exit_code == 1
    assert term("status").exit_code == 0


def test_fail_on_gap_passes_when_every_target_is_met(initialised):
    # No schools at all: every target covers nobody, so nothing is unmet.
    assert initialised("status", "--fail-on-gap", "--json").exit_code == 0


def test_other_term_and_year(term):
    data = term.json("status", "--term", "1")
    assert data["term"] == {"year": 2569, "term": 1, "start": "2026-05-16", "end": "2026-10-31", "announced": False}
    assert data["totals"]["activities"] == 1 and data["days_left"] == 0
    empty = term.json("status", "--year", "2570", "--term", "1")
    assert empty["totals"]["activities"] == 0
    assert empty["days_left"] == (date(2027, 10, 31) - date(2027, 5, 16)).days + 1  # the whole term is ahead


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [(("--term", "3"), 2, "ภาคเรียน"), (("--year", "2026", "--term", "1"), 2, "พุทธศักราช")],
)
def test_bad_term_is_one_sentence(term, args, code, words):
    result = term("status", *args, ok=False)
    assert result.exit_code == code
    assert result.stderr.startswith("ข้อผิดพลาด:") and words in result.stderr
    assert "Traceback" not in result.output


def test_status_without_database_is_one_sentence(nitet):
    result = nitet("status", ok=False)
    assert result.exit_code == 3 and "nitet init" in result.stderr


def test_status_does_not_load_the_document_stack(term):
    code = (
        "import sys; from typer.testing import CliRunner; from nitet_cli.cli import app;"
        f"r = CliRunner().invoke(app, ['--db', {str(term.db_path)!r}, 'status', '--json']);"
        "assert r.exit_code == 0, r.output;"
        "heavy = [m for m in ('docx', 'docxtpl', 'PIL', 'lxml') if m in sys.modules];"
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NITET_TODAY": "2026-11-24"},
    )
    assert json.loads(out.stdout.strip().replace("'", '"')) == []


def test_parallel_counting_gives_the_same_figures(term, monkeypatch):
    """Big terms count on two connections at once; the figures are the same as on one."""
    from nitet_cli import progress

    one = term.json("status")
    monkeypatch.setattr(progress, "PARALLEL_FROM", 0)
    assert term.json("status") == one


def test_entry_without_standards_still_counts_its_school(term, tmp_path):
    """A merged database may hold an entry with schools but no standard (the schema allows it)."""
    before = term.json("status")
    conn = sqlite3.connect(term.db_path)
    try:
        conn.execute(
            "INSERT INTO activities (uuid, date, title, created_at, updated_at)"
            " VALUES ('99999999-0000-4000-8000-000000000001', '2026-11-15', 'ไม่มีมาตรฐาน', 'x', 'x')"
        )
        conn.execute("INSERT INTO activity_schools VALUES (last_insert_rowid(), '57010006')")
        conn.commit()
    finally:
        conn.close()
    data = term.json("status")
    assert data["totals"]["activities"] == 7 and data["totals"]["schools"] == 4
    assert data["duties"] == before["duties"]  # no standard gains or loses anything
    term("report", "--term", "2", "-o", tmp_path / "r.docx")
