"""Issue 10, part 1: a visit counts for every target that covers it.

6.3 (``counts: every_visit``, the office-wide target) counts every visit to a school in the
term, whatever standard it was logged under; 7.3 and 8.3 count the visits linked to them.
``ยังไม่ได้นิเทศ`` is printed only for a school with no visit at all. status, --json,
--fail-on-gap, the report (DOCX and JSON) and a merged database's group figures agree.
Through the CLI, with real databases in tmp_path; today is 2026-11-24 (term 2/2569).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import BUNDLED_MANUAL, Nitet, docx_text

from nitet_cli.thai import to_arabic_digits

BAAN_KHU = ("57010001", "โรงเรียนบ้านคู่", "บ้านคู่")
BAAN_KHU_2 = ("57010002", "โรงเรียนบ้านดอยฮาง", "บ้านคู่")
HIGHLAND = ("57010005", "โรงเรียนบ้านห้วยแม่เลี่ยม", "พื้นที่สูง")
OTHER = ("57010007", "โรงเรียนบ้านห้วยไร่", "แม่ลาว ๒")


def add_schools(nitet: Nitet, *schools) -> None:
    for code, name, group in schools:
        nitet("school", "add", "--code", code, "--name", name, "--group", group)


def rows(status: dict) -> dict[tuple[str, str], dict]:
    """status --json's school rows by (standard, code)."""
    return {(r["standard"], r["code"]): r for r in status["schools"]}


def section(out: str, standard: str) -> list[str]:
    """The lines of status's plain-text list of schools under one target standard."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"มาตรฐาน {standard}:"))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("มาตรฐาน ")), len(lines))
    return lines[start:end]


def school_line(out: str, standard: str, code: str) -> str:
    (line,) = [line for line in section(out, standard) if line.strip().startswith(code)]
    return line


def visit(nitet: Nitet, *schools: str, day: str, standards=(), title: str = "นิเทศการจัดการเรียนรู้") -> dict:
    args = ["log-visit", "-t", title, "--date", day]
    for code in schools:
        args += ["-s", code]
    for sid in standards:
        args += ["--standard", sid]
    return nitet.json(*args)


# --- 6.3 counts every visit ----------------------------------------------------------------


def test_two_visits_under_7_3_meet_6_3(initialised):
    add_schools(initialised, BAAN_KHU)
    for day in ("2026-11-03", "2026-11-10"):
        assert visit(initialised, BAAN_KHU[0], day=day)["standards"] == ["7.3"]  # the default for a บ้านคู่ school
    status = initialised.json("status")
    found = rows(status)
    assert (found[("6.3", BAAN_KHU[0])]["visits"], found[("6.3", BAAN_KHU[0])]["met"]) == (2, True)
    assert (found[("7.3", BAAN_KHU[0])]["visits"], found[("7.3", BAAN_KHU[0])]["met"]) == (2, True)
    standards = {s["id"]: s for d in status["duties"] for s in d["standards"]}
    assert (standards["6.3"]["schools_met"], standards["6.3"]["target_schools"]) == (1, 1)
    assert standards["6.3"]["state_label"] == "ดำเนินการแล้ว"  # met through visits logged under 7.3
    assert status["totals"]["schools_below_target"] == 0

    out = initialised("status").stdout
    line = school_line(out, "6.3", BAAN_KHU[0])
    assert "2/2" in line and "✓" in line and "ยังไม่ได้นิเทศ" not in out
    assert "นับทุกครั้งที่นิเทศโรงเรียน ไม่ว่าบันทึกในมาตรฐานใด" in section(out, "6.3")[1]


def test_a_visit_linked_to_two_standards_counts_once_for_6_3(initialised):
    add_schools(initialised, BAAN_KHU)
    visit(initialised, BAAN_KHU[0], day="2026-11-03", standards=("7.3", "6.3"))
    found = rows(initialised.json("status"))
    assert found[("6.3", BAAN_KHU[0])]["visits"] == 1 and found[("6.3", BAAN_KHU[0])]["met"] is False
    assert found[("7.3", BAAN_KHU[0])]["visits"] == 1


def test_every_visit_counts_any_kind_of_entry_at_the_school_but_only_this_term(initialised):
    add_schools(initialised, OTHER)
    initialised("log", "1.1", "-t", "อบรมครู", "-k", "training", "-s", OTHER[0], "--date", "2026-11-04")
    visit(initialised, OTHER[0], day="2026-10-20")  # term 1: not counted in term 2
    assert rows(initialised.json("status"))[("6.3", OTHER[0])]["visits"] == 1
    assert rows(initialised.json("status", "--term", "1"))[("6.3", OTHER[0])]["visits"] == 1


def test_6_3_not_started_until_a_school_is_visited(initialised):
    add_schools(initialised, BAAN_KHU)
    standards = {s["id"]: s for d in initialised.json("status")["duties"] for s in d["standards"]}
    assert standards["6.3"]["state"] == "not_started"
    visit(initialised, BAAN_KHU[0], day="2026-11-03")
    standards = {s["id"]: s for d in initialised.json("status")["duties"] for s in d["standards"]}
    assert standards["6.3"]["activities"] == 0 and standards["6.3"]["state"] == "in_progress"


# --- --fail-on-gap -------------------------------------------------------------------------


def test_fail_on_gap_follows_the_rule(initialised):
    add_schools(initialised, BAAN_KHU)
    visit(initialised, BAAN_KHU[0], day="2026-11-03")
    assert initialised("status", "--fail-on-gap", ok=False).exit_code == 1  # 1/2 under 7.3 and 6.3
    visit(initialised, BAAN_KHU[0], day="2026-11-10")
    # Two visits under 7.3 meet both targets: exit 0 (before, 6.3 stayed 0/2 forever).
    assert initialised("status", "--fail-on-gap").exit_code == 0
    add_schools(initialised, OTHER)
    assert initialised("status", "--fail-on-gap", ok=False).exit_code == 1  # a school of 6.3 never visited
    visit(initialised, OTHER[0], day="2026-11-11", standards=("1.4",))
    visit(initialised, OTHER[0], day="2026-11-12", standards=("9.3",))
    assert initialised("status", "--fail-on-gap").exit_code == 0  # any standard counts for 6.3


# --- the default standards of a visit to several schools -------------------------------------


def test_a_visit_to_several_schools_links_each_schools_standards(initialised):
    add_schools(initialised, BAAN_KHU, HIGHLAND, OTHER)
    assert visit(initialised, BAAN_KHU[0], OTHER[0], day="2026-11-03")["standards"] == ["6.3", "7.3"]
    assert visit(initialised, BAAN_KHU[0], HIGHLAND[0], day="2026-11-04")["standards"] == ["7.3", "8.3"]
    assert visit(initialised, OTHER[0], day="2026-11-05")["standards"] == ["6.3"]
    assert visit(initialised, HIGHLAND[0], day="2026-11-06")["standards"] == ["8.3"]
    found = rows(initialised.json("status"))
    assert found[("7.3", BAAN_KHU[0])]["visits"] == 2
    assert found[("8.3", HIGHLAND[0])]["visits"] == 2
    assert found[("6.3", OTHER[0])]["visits"] == 2 and found[("6.3", OTHER[0])]["met"]
    assert found[("6.3", BAAN_KHU[0])]["visits"] == 2 and found[("6.3", HIGHLAND[0])]["visits"] == 2


# --- a school visited under another standard ----------------------------------------------------


def test_a_school_visited_under_another_standard_shows_its_visits(initialised, tmp_path):
    add_schools(initialised, BAAN_KHU, BAAN_KHU_2)
    visit(initialised, BAAN_KHU[0], day="2026-11-03", standards=("6.3",))
    visit(initialised, BAAN_KHU[0], day="2026-11-04", standards=("1.4",))
    status = initialised.json("status")
    row = rows(status)[("7.3", BAAN_KHU[0])]
    assert (row["visits"], row["all_visits"], row["met"]) == (0, 2, False)
    assert rows(status)[("7.3", BAAN_KHU_2[0])]["all_visits"] == 0

    out = initialised("status").stdout
    line = school_line(out, "7.3", BAAN_KHU[0])
    assert "0/2" in line and "ยังไม่ได้นิเทศ" not in line
    assert "ขาดอีก 2 ครั้ง (นิเทศในมาตรฐานอื่น 2 ครั้ง)" in line
    assert "ยังไม่ได้นิเทศ" in school_line(out, "7.3", BAAN_KHU_2[0])  # never visited at all
    assert "✓" in school_line(out, "6.3", BAAN_KHU[0])

    # Visited once under 7.3 as well: short by one, with the other visits said.
    visit(initialised, BAAN_KHU[0], day="2026-11-05", standards=("7.3",))
    line = school_line(initialised("status").stdout, "7.3", BAAN_KHU[0])
    assert "1/2" in line and "ขาดอีก 1 ครั้ง (นิเทศในมาตรฐานอื่น 2 ครั้ง)" in line

    out_docx = tmp_path / "report.docx"
    initialised("report", "-o", out_docx)
    marks = coverage_rows(out_docx)
    assert marks[("7.3", BAAN_KHU[0])] == ("๑", "๒", "ต่ำกว่าเป้าหมาย (นิเทศในมาตรฐานอื่น ๒ ครั้ง)")
    assert marks[("7.3", BAAN_KHU_2[0])] == ("๐", "๒", "ยังไม่ได้นิเทศ")
    assert marks[("6.3", BAAN_KHU[0])] == ("๓", "๒", "ถึงเป้าหมาย")


# --- the report: DOCX and JSON agree with status --json --------------------------------------------


def coverage_rows(path: Path) -> dict[tuple[str, str], tuple[str, str, str]]:
    """The report's ส่วนที่ ๒ tables, by (standard, code): (visits, target, mark) as printed.
    The standard is read from the heading (มาตรฐานที่ ๖.๓ …) above each table."""
    from docx import Document
    from docx.oxml.ns import qn

    document = Document(str(path))
    found: dict[tuple[str, str], tuple[str, str, str]] = {}
    standard = None
    body = document.element.body
    tables = iter(document.tables)
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if text.startswith("มาตรฐานที่ "):
                standard = to_arabic_digits(text.split()[1])
        elif child.tag == qn("w:tbl"):
            table = next(tables)
            header = [c.text for c in table.rows[0].cells]
            if header[:2] != ["ที่", "รหัส"]:
                continue
            for row in table.rows[1:]:
                cells = [c.text for c in row.cells]
                key = (standard, to_arabic_digits(cells[1]))
                assert key not in found, key
                found[key] = (cells[3], cells[4], cells[5])
    return found


def assert_report_agrees_with_status(nitet: Nitet, tmp_path: Path) -> None:
    status = nitet.json("status")
    report_json = tmp_path / "report.json"
    nitet("report", "--format", "json", "-o", report_json)
    data = json.loads(report_json.read_text(encoding="utf-8"))
    expected = rows(status)

    # JSON: every school row of every target, with the same figures.
    from_report = {}
    for c in data["coverage"]:
        for g in c["groups"]:
            for r in g["rows"]:
                from_report[(c["standard"], r["code"])] = {k: r[k] for k in ("visits", "target", "met", "all_visits")}
    assert from_report == {k: {f: v[f] for f in ("visits", "target", "met", "all_visits")} for k, v in expected.items()}
    assert data["schools"] == status["schools"]
    standards = {s["id"]: s for d in status["duties"] for s in d["standards"]}
    for c in data["coverage"]:
        assert (c["schools_met"], c["schools"]) == (
            standards[c["standard"]]["schools_met"],
            standards[c["standard"]]["target_schools"],
        )
        assert c["schools_met"] == sum(g["schools_met"] for g in c["groups"])

    # DOCX: the printed visits, targets and marks of every row.
    report_docx = tmp_path / "report.docx"
    nitet("report", "-o", report_docx)
    printed = coverage_rows(report_docx)
    assert set(printed) == set(expected)
    for key, row in expected.items():
        visits, target, mark = printed[key]
        assert (int(to_arabic_digits(visits)), int(to_arabic_digits(target))) == (row["visits"], row["target"]), key
        assert (mark == "ถึงเป้าหมาย") == row["met"], key
        assert (mark == "ยังไม่ได้นิเทศ") == (row["all_visits"] == 0), key


@pytest.fixture
def term(initialised, tmp_path):
    from term_data import build_term

    build_term(initialised.db_path, tmp_path / "files")
    return initialised


def test_report_coverage_agrees_with_status(term, tmp_path):
    # Beyond the term data: a school visited under another standard only, a visit to two schools.
    visit(term, "57010003", day="2026-11-06", standards=("8.3",))
    visit(term, "57010006", "57010007", day="2026-11-07")
    assert_report_agrees_with_status(term, tmp_path)
    text = docx_text(tmp_path / "report.docx")
    assert "นับทุกครั้งที่นิเทศสถานศึกษา ไม่ว่าบันทึกในมาตรฐานใด" in text
    printed = coverage_rows(tmp_path / "report.docx")
    assert printed[("6.3", "57010001")][2] == "ถึงเป้าหมาย"  # two visits logged under 7.3 (one also under 6.3)
    assert printed[("7.3", "57010003")][2] == "ต่ำกว่าเป้าหมาย (นิเทศในมาตรฐานอื่น ๑ ครั้ง)"


# --- a group's merged database ---------------------------------------------------------------------


def manual_for(name: str, directory: Path) -> Path:
    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    data["profile"]["name"] = name
    path = directory / f"manual-{len(name)}-{abs(hash(name)) % 10_000}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_group_database_counts_everyones_visits_for_6_3(tmp_path, monkeypatch):
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    people = []
    for n, name in enumerate(("นางสาวมาลี ใจดี", "นายสมชาย รักเรียน")):
        person = Nitet(tmp_path / f"p{n}" / "nitet.db")
        (tmp_path / f"p{n}").mkdir()
        person("init", "--manual", manual_for(name, tmp_path / f"p{n}"))
        add_schools(person, BAAN_KHU, OTHER)
        people.append(person)
    mali, somchai = people
    visit(mali, BAAN_KHU[0], day="2026-11-03")  # 7.3 by default
    visit(somchai, BAAN_KHU[0], day="2026-11-04", standards=("7.3", "6.3"))  # one visit, two standards
    visit(somchai, OTHER[0], day="2026-11-05", standards=("1.4",))

    into = tmp_path / "group" / "group.db"
    into.parent.mkdir()
    group = Nitet(into)
    group("merge", mali.db_path, somchai.db_path, "--into", into)
    status = group.json("status")
    found = rows(status)
    assert (found[("6.3", BAAN_KHU[0])]["visits"], found[("6.3", BAAN_KHU[0])]["met"]) == (2, True)
    assert (found[("6.3", OTHER[0])]["visits"], found[("6.3", OTHER[0])]["all_visits"]) == (1, 1)
    assert found[("7.3", BAAN_KHU[0])]["met"] is True

    targets = {t["standard"]: t for t in status["targets"]}
    assert targets["6.3"]["counts"] == "every_visit" and targets["7.3"]["counts"] == "linked_visits"
    together = {t["standard"]: t for t in status["group"]["targets"]}
    assert (together["6.3"]["visits"], together["6.3"]["schools_visited"], together["6.3"]["schools_met"]) == (3, 2, 1)
    per = {p["name"]: {t["standard"]: t for t in p["targets"]} for p in status["supervisors"]}
    assert (per["นางสาวมาลี ใจดี"]["6.3"]["visits"], per["นางสาวมาลี ใจดี"]["6.3"]["schools_visited"]) == (1, 1)
    assert (per["นายสมชาย รักเรียน"]["6.3"]["visits"], per["นายสมชาย รักเรียน"]["6.3"]["schools_visited"]) == (2, 2)
    assert per["นายสมชาย รักเรียน"]["6.3"]["schools_met"] == 0  # met only together
    # Visits toward the targets: each visit once (6.3 counts them all), not once per target.
    totals = {p["name"]: p["target_visits"] for p in status["supervisors"]}
    assert totals == {"นางสาวมาลี ใจดี": 1, "นายสมชาย รักเรียน": 2}

    out = group("status").stdout
    assert "✓" in school_line(out, "6.3", BAAN_KHU[0])
    assert "ยังไม่ได้นิเทศ" not in out
    assert_report_agrees_with_status(group, tmp_path)


# --- the manual ------------------------------------------------------------------------------------


def test_bundled_manual_counts_every_visit_for_6_3_only(initialised):
    targets = {
        s["id"]: s["target"]
        for d in initialised.json("manual", "show")["duties"]
        for s in d["standards"]
        if s["target"]
    }
    assert targets["6.3"]["counts"] == "every_visit"
    assert "counts" not in targets["7.3"] and "counts" not in targets["8.3"]  # the default: linked visits


@pytest.mark.parametrize("value", ["all", "EVERY_VISIT", "", 2, ["every_visit"], {"every": "visit"}])
def test_unknown_counts_is_refused_with_the_allowed_values(initialised, tmp_path, value):
    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    data["duties"][6]["standards"][2]["target"]["counts"] = value  # 7.3
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    before = initialised.snapshot()
    result = initialised("manual", "load", bad, ok=False)
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.startswith("ข้อผิดพลาด:") and message.count("\n") == 0
    assert "7.3" in message and "target.counts" in message and "every_visit" in message and "linked_visits" in message
    assert "Traceback" not in result.output
    assert initialised.snapshot() == before


def test_counts_linked_visits_is_the_default(initialised, tmp_path):
    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    data["duties"][6]["standards"][2]["target"]["counts"] = "linked_visits"  # 7.3, said explicitly
    del data["duties"][5]["standards"][2]["target"]["counts"]  # 6.3 back to the default
    own = tmp_path / "own.yaml"
    own.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    loaded = initialised.json("manual", "load", own)
    assert loaded["standards_updated"] == 1  # only 6.3 changed; 7.3 is stored as before
    add_schools(initialised, BAAN_KHU)
    visit(initialised, BAAN_KHU[0], day="2026-11-03")
    assert rows(initialised.json("status"))[("6.3", BAAN_KHU[0])]["visits"] == 0  # linked visits only now


def test_school_show_uses_the_same_rule(initialised):
    add_schools(initialised, BAAN_KHU, BAAN_KHU_2)
    visit(initialised, BAAN_KHU[0], day="2026-11-03")
    visit(initialised, BAAN_KHU[0], day="2026-11-10")
    visit(initialised, BAAN_KHU_2[0], day="2026-11-11", standards=("1.4",))
    status = rows(initialised.json("status"))
    for code in (BAAN_KHU[0], BAAN_KHU_2[0]):
        shown = initialised.json("school", "show", code)
        [term] = [t for t in shown["terms"] if t["current"]]
        targets = {x["standard"]: x for x in term["targets"]}
        assert {sid: (x["visits"], x["met"]) for sid, x in targets.items()} == {
            sid: (status[(sid, code)]["visits"], status[(sid, code)]["met"]) for sid in ("6.3", "7.3")
        }
    shown = initialised.json("school", "show", BAAN_KHU[0])
    assert {x["standard"]: x["mark"] for t in shown["terms"] if t["current"] for x in t["targets"]} == {
        "6.3": "ถึงเป้าหมาย",
        "7.3": "ถึงเป้าหมาย",
    }
    shown = initialised.json("school", "show", BAAN_KHU_2[0])
    assert {x["standard"]: x["mark"] for t in shown["terms"] if t["current"] for x in t["targets"]} == {
        "6.3": "ขาดอีก 1 ครั้ง",
        "7.3": "ขาดอีก 2 ครั้ง (นิเทศในมาตรฐานอื่น 1 ครั้ง)",
    }
