"""Issue 6, item 2: `status` and `report` on a merged database give figures per supervisor and
for the group (which schools every supervisor together reached, against the targets); a merged
database without an owner's profile still shows, exports and reports its manual."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import Nitet, docx_text
from exchange_data import SCHOOLS, query, supervisor_db

from nitet_cli.thai import to_arabic_digits

MALI = "นางสาวมาลี ใจดี"
SOMCHAI = "นายสมชาย รักเรียน"
TERM = ("2026-11-01", "2027-05-15")  # term 2/2569 by default; NITET_TODAY is 2026-11-24


@pytest.fixture
def merged(tmp_path, monkeypatch):
    """Two supervisors' databases merged into a new group database (which has no owner)."""
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    a = supervisor_db(tmp_path / "mali" / "nitet.db", MALI, tmp_path / "work-a", visits=3)
    b = supervisor_db(tmp_path / "somchai" / "nitet.db", SOMCHAI, tmp_path / "work-b", schools=SCHOOLS[:2], visits=2)
    into = tmp_path / "group.db"
    group = Nitet(into)
    group("merge", a.db_path, b.db_path, "--into", into)
    group.sources = (a, b)
    return group


def sql_per_supervisor(db) -> dict[str, tuple[int, int, int, int]]:
    """(activities, schools, evidence, visits toward 7.3 in บ้านคู่) per supervisor name, by correlated subqueries."""
    rows = query(
        db,
        """
        SELECT s.name,
            (SELECT count(*) FROM activities a WHERE a.supervisor_id = s.id AND a.date BETWEEN :start AND :end),
            (SELECT count(DISTINCT y.school_code) FROM activities a JOIN activity_schools y ON y.activity_id = a.id
             WHERE a.supervisor_id = s.id AND a.date BETWEEN :start AND :end),
            (SELECT count(*) FROM evidence e JOIN activities a ON a.id = e.activity_id
             WHERE a.supervisor_id = s.id AND a.date BETWEEN :start AND :end),
            (SELECT count(*) FROM activities a JOIN activity_standards x ON x.activity_id = a.id AND x.standard_id = '7.3'
             JOIN activity_schools y ON y.activity_id = a.id JOIN schools c ON c.code = y.school_code AND c.school_group = 'บ้านคู่'
             WHERE a.supervisor_id = s.id AND a.date BETWEEN :start AND :end)
        FROM supervisors s
        """,
        {"start": TERM[0], "end": TERM[1]},
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def target(person: dict, standard: str) -> dict:
    return next(t for t in person["targets"] if t["standard"] == standard)


def test_status_json_per_supervisor_equals_sql(merged):
    data = merged.json("status")
    people = {p["name"]: p for p in data["supervisors"]}
    expected = sql_per_supervisor(merged.db_path)
    assert set(people) == set(expected) == {MALI, SOMCHAI}
    for name, (activities, schools, evidence, visits_73) in expected.items():
        person = people[name]
        assert (person["activities"], person["schools"], person["evidence"]) == (activities, schools, evidence)
        assert target(person, "7.3")["visits"] == visits_73
    assert all(p["is_self"] is False for p in data["supervisors"])  # merged into a new file: no owner
    # The group's figures are those the existing totals count for everyone together.
    group = data["group"]
    assert group["is_group"] is True and group["supervisors"] == 2 and group["supervisors_active"] == 2
    assert group["activities"] == data["totals"]["activities"] == sum(p["activities"] for p in people.values())
    assert group["schools"] == data["totals"]["schools"]
    assert group["evidence"] == data["totals"]["evidence"]
    assert group["photos"] == data["totals"]["photos"]


def test_the_group_reaches_targets_that_no_one_reaches_alone(merged):
    """Each supervisor visited the two บ้านคู่ schools, but reached 2 visits at only one of them;
    together both schools meet standard 7.3's target of 2 — as the coverage rows say."""
    data = merged.json("status")
    for person in data["supervisors"]:
        assert target(person, "7.3")["schools_met"] == 1
        assert target(person, "7.3")["schools_visited"] == 2
    together = target(data["group"], "7.3")
    assert together["schools_met"] == 2 and together["schools_visited"] == 2
    assert together["visits"] == sum(target(p, "7.3")["visits"] for p in data["supervisors"])
    coverage = [r for r in data["schools"] if r["standard"] == "7.3"]
    assert together["schools_met"] == sum(r["met"] for r in coverage)
    assert together["visits"] == sum(r["visits"] for r in coverage)
    (scope,) = [t for t in data["targets"] if t["standard"] == "7.3"]
    assert scope["target_schools"] == len(coverage) == 2


def test_status_text_shows_the_per_supervisor_table_only_for_a_group(merged, initialised):
    out = merged("status").stdout
    assert "ผลการปฏิบัติงานรายบุคคล" in out and MALI in out and SOMCHAI in out and "รวมทั้งกลุ่ม" in out
    assert "ถึงเป้า 2 จาก 2 โรง" in out
    assert "นับการนิเทศของทุกคนในกลุ่มรวมกัน".replace(" ", "") in "".join(out.split())  # coverage is the group's
    single = initialised("status").stdout
    assert "ผลการปฏิบัติงานรายบุคคล" not in single and "ทุกคนในกลุ่ม" not in single
    (me,) = initialised.json("status")["supervisors"]
    assert me["is_self"] is True and me["activities"] == 0


def test_second_connection_gives_the_same_figures(merged, monkeypatch):
    from nitet_cli import progress

    before = merged.json("status")
    monkeypatch.setattr(progress, "PARALLEL_FROM", 0)
    assert merged.json("status")["supervisors"] == before["supervisors"]


def test_entry_without_a_supervisor_has_its_own_row(merged):
    """Recording on a group database without an owner stores no supervisor: shown, still counted."""
    from nitet_cli.activities import NewActivity, add_activity
    from nitet_cli.db import connect

    conn = connect(merged.db_path)
    try:
        add_activity(conn, merged.db_path, NewActivity(date(2026, 11, 21), "ประชุมกลุ่ม", ["7.3"], ["57010001"]))
    finally:
        conn.close()
    data = merged.json("status")
    people = {p["name"]: p for p in data["supervisors"]}
    assert people["ไม่ระบุผู้บันทึก"]["activities"] == 1
    assert target(people["ไม่ระบุผู้บันทึก"], "7.3")["visits"] == 1
    assert sum(p["activities"] for p in people.values()) == data["totals"]["activities"]


def _table(document, *headers: str):
    found = [
        t for t in document.tables if len(t.rows) and [c.text for c in t.rows[0].cells][: len(headers)] == list(headers)
    ]
    return found


def test_report_has_the_per_supervisor_table_equal_to_sql(merged, tmp_path):
    from docx import Document

    out = tmp_path / "group-report.docx"
    merged("report", "-o", out)
    document = Document(str(out))
    (table,) = _table(document, "ที่", "ศึกษานิเทศก์", "กิจกรรม", "โรงเรียน", "หลักฐาน")
    rows = {row.cells[1].text: [to_arabic_digits(c.text) for c in row.cells] for row in table.rows[1:]}
    expected = sql_per_supervisor(merged.db_path)
    for name, (activities, schools, evidence, _visits_73) in expected.items():
        assert rows[name][2:5] == [str(activities), str(schools), str(evidence)]
    total = rows["รวมทั้งกลุ่ม"]
    assert total[2] == str(sum(v[0] for v in expected.values()))
    assert total[3] == str(query(merged.db_path, "SELECT count(DISTINCT school_code) FROM activity_schools")[0][0])
    # Numbers in Thai digits in the document.
    raw = [c.text for row in table.rows[1:] for c in row.cells[2:]]
    assert raw and all(text and not any(ch in "0123456789" for ch in text) for text in raw)

    # Per target standard: a row per supervisor, and the group's row reaching what no one reached alone.
    per_target = _table(document, "ที่", "ศึกษานิเทศก์", "ครั้ง", "สถานศึกษา\nที่นิเทศ")  # a header broken between words
    assert len(per_target) == len(
        query(merged.db_path, "SELECT id FROM standards WHERE target IS NOT NULL AND retired_at IS NULL")
    )
    text = docx_text(out)
    assert "ทั้งกลุ่มนิเทศสถานศึกษา ๒ แห่ง รวม ๖ ครั้ง ถึงเป้าหมายเมื่อนับการนิเทศของทุกคนรวมกัน ๒ จาก ๒ แห่ง" in text
    visits_73 = {name: v[3] for name, v in expected.items()}
    for t in per_target:
        cells = {row.cells[1].text: [to_arabic_digits(c.text) for c in row.cells] for row in t.rows[1:]}
        if cells["รวมทั้งกลุ่ม"][2] == str(sum(visits_73.values())) and cells["รวมทั้งกลุ่ม"][4] == "2":
            assert {name: int(cells[name][2]) for name in visits_73} == visits_73
            assert cells[MALI][4] == cells[SOMCHAI][4] == "1"
            break
    else:
        pytest.fail("no per-supervisor table for standard 7.3")

    # The coverage part says it counts everyone's visits; entries name who made them; the cover names the group.
    assert "ส่วนที่ ๒ การนิเทศสถานศึกษาตามเป้าหมาย (รวมทั้งกลุ่ม)" in text
    assert "นับการนิเทศของศึกษานิเทศก์ทุกคนในฐานข้อมูลรวมกัน" in text
    assert f"โดย {SOMCHAI}" in text
    assert "รวมผลการปฏิบัติงานของศึกษานิเทศก์ ๒ คน" in text
    # No owner: no empty "ตำแหน่ง" line, a dotted line to sign on, and the group's office on the cover.
    paragraphs = [p.text.strip() for p in document.paragraphs]
    assert "ตำแหน่ง" not in paragraphs and "()" not in paragraphs
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงราย เขต ๑" in paragraphs


def test_report_of_one_supervisor_has_no_group_section(merged, tmp_path):
    a, _b = merged.sources
    out = tmp_path / "mine.docx"
    a("report", "-o", out)
    text = docx_text(out)
    assert "ผลการปฏิบัติงานรายบุคคล" not in text and "(รวมทั้งกลุ่ม)" not in text and "โดย " + MALI not in text
    assert MALI in text  # the owner's name on the cover and the signature


def test_report_json_has_the_same_per_supervisor_figures(merged, tmp_path):
    import json

    out = tmp_path / "group.json"
    merged("report", "--format", "json", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    status = merged.json("status")
    assert data["supervisors"] == status["supervisors"]
    assert data["group"]["is_group"] is True
    assert data["profile"]["name"] == "" and data["profile"]["office"]


def test_manual_show_and_export_on_a_group_database_without_owner(merged, tmp_path):
    from docx import Document

    out = merged("manual", "show", "--duty", "7").stdout
    assert "ยังไม่มีคู่มือ" not in out
    assert "ไม่มีข้อมูลผู้จัดทำของตนเอง" in out and "7.3" in out
    data = merged.json("manual", "show")
    assert data["own_profile"] is False and data["profile"]["name"] == ""
    assert data["profile"]["office"] == "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงราย เขต ๑"  # both supervisors' office
    assert sum(len(d["standards"]) for d in data["duties"]) == 43

    docx = tmp_path / "manual.docx"
    merged("manual", "export", "-o", docx)
    document = Document(str(docx))
    paragraphs = [p.text.strip() for p in document.paragraphs]
    assert "ตำแหน่ง วิทยฐานะ" not in paragraphs and "ตำแหน่ง" not in paragraphs
    assert "มาตรฐานการปฏิบัติงาน" in paragraphs
    assert len(document.tables) == 9


def test_offices_that_differ_are_left_out_of_the_neutral_profile(merged):
    conn_rows = query(merged.db_path, "SELECT count(DISTINCT office) FROM supervisors")
    assert conn_rows == [(1,)]
    import sqlite3

    conn = sqlite3.connect(merged.db_path)
    conn.execute("UPDATE supervisors SET office = 'สพป.เชียงราย เขต ๒' WHERE name = ?", (SOMCHAI,))
    conn.commit()
    conn.close()
    profile = merged.json("manual", "show")["profile"]
    assert profile["office"] == "" and profile["ministry"] == "กระทรวงศึกษาธิการ"


def test_an_empty_database_still_says_there_is_no_manual(nitet):
    from nitet_cli.db import connect

    connect(nitet.db_path).close()
    result = nitet("manual", "show", ok=False)
    assert "ยังไม่มีคู่มือในฐานข้อมูล" in result.stderr
