"""Issue 2: the bundled manual loads into SQLite and exports as a Thai DOCX."""

from __future__ import annotations

import os
import stat

import pytest
import yaml
from conftest import BUNDLED_MANUAL, docx_text
from docx import Document
from docx.oxml.ns import qn

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def bundled_yaml() -> dict:
    return yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))


def test_init_loads_nine_duties_and_43_rows(nitet):
    result = nitet("init")
    assert "9 เรื่อง 43 แถว" in result.output
    assert nitet.query("SELECT count(*) FROM duties") == [(9,)]
    assert nitet.query("SELECT count(*) FROM standards") == [(43,)]
    ids = [r[0] for r in nitet.query("SELECT id FROM standards ORDER BY position")]
    assert ids[:5] == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    assert ids[-1] == "9.4"
    assert [r[0] for r in nitet.query("SELECT count(*) FROM standards GROUP BY duty_number ORDER BY duty_number")] == [
        5,
        7,
        4,
        6,
        5,
        4,
        4,
        4,
        4,
    ]


def test_profile_comes_from_the_cover(initialised):
    profile = initialised.json("manual", "show")["profile"]
    assert profile["name"] == "นายรณชัย สิงห์คำ"
    assert profile["position"] == "ศึกษานิเทศก์"
    assert profile["academic_standing"] == "ชำนาญการพิเศษ"
    assert profile["office"] == "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงราย เขต ๑"
    assert profile["ministry"] == "กระทรวงศึกษาธิการ"


def test_visit_targets_are_machine_readable(initialised):
    data = initialised.json("manual", "show")
    targets = {s["id"]: s["target"] for d in data["duties"] for s in d["standards"] if s["target"]}
    assert set(targets) == {"6.3", "7.3", "8.3"}
    assert targets["7.3"]["school_groups"] == ["บ้านคู่"]
    assert targets["8.3"]["school_groups"] == ["พื้นที่สูง"]
    assert targets["6.3"]["school_groups"] == []
    assert all(t["min_per_term"] == 2 and t["kind"] == "school_visits" for t in targets.values())


def test_database_is_private(initialised):
    mode = stat.S_IMODE(os.stat(initialised.db_path).st_mode)
    assert mode == 0o600
    assert initialised.query("PRAGMA journal_mode") == [("wal",)]


def test_loading_twice_changes_nothing(initialised):
    before = initialised.snapshot()
    result = initialised("manual", "load", BUNDLED_MANUAL)
    assert "ไม่มีการเปลี่ยนแปลง" in result.output
    assert initialised.snapshot() == before


def test_changed_text_updates_and_missing_row_is_retired(initialised, tmp_path):
    data = bundled_yaml()
    data["duties"][0]["standards"][0]["standard"] = "ข้อความใหม่"
    removed = data["duties"][8]["standards"].pop()  # 9.4
    assert removed["step"] == 4
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = initialised.json("manual", "load", edited)
    assert out["standards_updated"] == 1 and out["standards_retired"] == 1
    assert initialised.query("SELECT standard FROM standards WHERE id = '1.1'") == [("ข้อความใหม่",)]
    assert initialised.query("SELECT retired_at IS NOT NULL FROM standards WHERE id = '9.4'") == [(1,)]
    shown = initialised.json("manual", "show")
    assert "9.4" not in [s["id"] for d in shown["duties"] for s in d["standards"]]
    # Reloading the original brings the row back.
    initialised("manual", "load", BUNDLED_MANUAL)
    assert initialised.query("SELECT retired_at FROM standards WHERE id = '9.4'") == [(None,)]


def _write(tmp_path, text: str):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_MANUALS = {
    "syntax": ("profile:\n  name: [unclosed\n", ["bad.yaml:", "บรรทัด"]),
    "missing_standard": (
        "profile: {name: ก}\nduties:\n  - number: 1\n    title: ก\n    standards:\n      - {step: 1, activity: ก}\n",
        ["เรื่องที่ 1", "1.1", "standard"],
    ),
    "duplicate_step": (
        "profile: {name: ก}\nduties:\n  - number: 2\n    title: ก\n    standards:\n"
        "      - {step: 1, activity: ก, standard: ข}\n      - {step: 1, activity: ค, standard: ง}\n",
        ["เรื่องที่ 2", "2.1", "ซ้ำ"],
    ),
    "empty_duty": (
        "profile: {name: ก}\nduties:\n  - number: 3\n    title: ก\n    standards: []\n",
        ["เรื่องที่ 3", "อย่างน้อย"],
    ),
    "duplicate_duty": (
        "profile: {name: ก}\nduties:\n  - {number: 1, title: ก, standards: [{step: 1, activity: ก, standard: ข}]}\n"
        "  - {number: 1, title: ข, standards: [{step: 1, activity: ก, standard: ข}]}\n",
        ["เรื่องที่ 1", "ซ้ำ"],
    ),
    "no_profile": ("duties: []\n", ["profile"]),
}


@pytest.mark.parametrize("case", sorted(BAD_MANUALS))
def test_bad_manual_is_refused_and_database_unchanged(initialised, tmp_path, case):
    text, expected = BAD_MANUALS[case]
    before = initialised.snapshot()
    result = initialised("manual", "load", _write(tmp_path, text), ok=False)
    assert result.exit_code == 2
    for word in expected:
        assert word in result.output, (word, result.output)
    assert "Traceback" not in result.output
    assert initialised.snapshot() == before


def test_yaml_syntax_error_names_line_and_column(initialised, tmp_path):
    path = _write(tmp_path, "profile:\n  name: ok\nduties:\n  - number: 1\n    title: [x\n")
    result = initialised("manual", "load", path, ok=False)
    assert f"{path}:" in result.output
    assert "คอลัมน์" in result.output


def test_missing_file_and_directory_get_one_sentence(initialised, tmp_path):
    missing = initialised("manual", "load", tmp_path / "nope.yaml", ok=False)
    assert missing.exit_code == 3 and "ไม่พบไฟล์คู่มือ" in missing.output
    directory = initialised("manual", "load", tmp_path, ok=False)
    assert directory.exit_code == 2 and "โฟลเดอร์" in directory.output
    for result in (missing, directory):
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1


def test_bad_init_creates_no_database(nitet, tmp_path):
    path = _write(tmp_path, "profile: {name: ก}\nduties: []\n")
    result = nitet("init", "--manual", path, ok=False)
    assert result.exit_code == 2
    assert not nitet.db_path.exists()


def test_export_to_missing_folder_is_one_sentence(initialised, tmp_path):
    result = initialised("manual", "export", "-o", tmp_path / "no" / "such" / "m.docx", ok=False)
    assert result.exit_code == 5
    assert "ไม่มีโฟลเดอร์" in result.output and "Traceback" not in result.output


def test_manual_commands_need_a_database(nitet):
    result = nitet("manual", "show", ok=False)
    assert result.exit_code == 3 and "nitet init" in result.output


# --- the exported DOCX --------------------------------------------------------------------


@pytest.fixture
def exported(initialised, tmp_path):
    out = tmp_path / "manual.docx"
    initialised("manual", "export", "-o", out)
    return out


def test_export_has_every_row_in_order(exported):
    document = Document(str(exported))
    data = bundled_yaml()
    assert len(document.tables) == 9
    for duty, table in zip(data["duties"], document.tables):
        header = [c.text for c in table.rows[0].cells]
        assert header == ["ที่", "กิจกรรม/วิธีปฏิบัติ", "มาตรฐานการปฏิบัติงาน"]
        rows = [[c.text for c in row.cells] for row in table.rows[1:]]
        assert len(rows) == len(duty["standards"])
        for row, standard in zip(rows, duty["standards"]):
            assert row[1] == standard["activity"]
            assert row[2] == standard["standard"]
        assert rows[0][0] == "๑."


def test_export_has_cover_and_thai_numbered_duties(exported):
    text = docx_text(exported)
    assert "คู่มือปฏิบัติงาน" in text
    assert "นายรณชัย สิงห์คำ" in text
    assert "ตำแหน่งศึกษานิเทศก์ วิทยฐานะชำนาญการพิเศษ" in text
    assert "งานในหน้าที่รับผิดชอบ" in text
    assert "มาตรฐานการปฏิบัติงาน" in text
    for number in "๑๒๓๔๕๖๗๘๙":
        assert f"เรื่องที่ {number}." in text
        assert f"\n{number}. " in text
    assert "{{" not in text and "{%" not in text


def test_header_row_repeats_across_pages(exported):
    document = Document(str(exported))
    for table in document.tables:
        tr_pr = table.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


def test_styles_carry_thai_complex_script_font_and_size(exported):
    document = Document(str(exported))
    defaults = document.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    normal = document.styles["Normal"].element.find(f"{W}rPr")
    for rpr in (defaults, normal):
        fonts = rpr.find(f"{W}rFonts")
        assert fonts.get(f"{W}cs") == "TH SarabunPSK"
        assert fonts.get(f"{W}ascii") == "TH SarabunPSK"
        assert rpr.find(f"{W}szCs").get(f"{W}val") == "32"  # 16 pt
        assert rpr.find(f"{W}sz").get(f"{W}val") == "32"
        assert rpr.find(f"{W}lang").get(f"{W}bidi") == "th-TH"
    heading = document.styles["Heading 2"].element.find(f"{W}rPr")
    assert heading.find(f"{W}bCs") is not None


def test_page_is_a4_with_thai_page_numbers(exported):
    document = Document(str(exported))
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    assert round(section.left_margin.cm, 1) == 3.0
    assert section.different_first_page_header_footer
    assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:fmt")) == "thaiNumbers"
    header_xml = section.header._element.xml
    assert "PAGE" in header_xml


def test_export_replaces_old_file_atomically(initialised, tmp_path):
    out = tmp_path / "manual.docx"
    out.write_bytes(b"old")
    initialised("manual", "export", "-o", out)
    assert Document(str(out)).tables
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".manual")] == []


def test_hostile_manual_text_comes_out_literally(nitet, tmp_path):
    hostile = "{{ 7*7 }} <b>&amp; ]]> \x01\x0b ข้อความ\u200b"
    data = bundled_yaml()
    data["duties"][0]["standards"][0]["activity"] = hostile
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    nitet("init", "--manual", path)
    out = tmp_path / "m.docx"
    nitet("manual", "export", "-o", out)
    cell = Document(str(out)).tables[0].rows[1].cells[1].text
    assert cell == "{{ 7*7 }} <b>&amp; ]]>  ข้อความ\u200b"


def test_tables_span_the_text_width(exported):
    document = Document(str(exported))
    for table in document.tables:
        tbl_pr = table._tbl.tblPr
        assert tbl_pr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert len(grid) == 3
        total_cm = sum(grid) / 567  # twips per cm
        assert 15.5 < total_cm < 16.5  # A4 21 cm minus 3 cm + 2 cm margins


def test_manual_not_in_utf8_names_the_byte_and_changes_nothing(initialised, tmp_path):
    before = initialised.snapshot()
    path = tmp_path / "duties-cp874.yaml"
    path.write_bytes("manual: {title: คู่มือปฏิบัติงาน}\n".encode("cp874"))
    result = initialised("manual", "load", path, ok=False)
    assert result.exit_code == 2
    assert "ไม่ใช่ข้อความ UTF-8 (ไบต์ที่" in result.output and "บันทึกไฟล์เป็น UTF-8" in result.output
    assert initialised.snapshot() == before


def test_a_manual_that_names_its_year_sets_the_earliest_entry_date(initialised, tmp_path):
    """manual.year (BE) is the first academic year entries may be dated in; a file that
    names none takes it back (then the year before the current one is still open)."""
    nitet = initialised
    nitet("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    data = bundled_yaml()
    data["manual"]["year"] = "๒๕๖๙"  # typed in Thai digits, as in the seed's own numbers
    path = tmp_path / "duties-2569.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = nitet("manual", "load", path)
    assert "ปรับปีการศึกษาของคู่มือ" in result.output
    assert nitet.json("manual", "show")["year"] == 2569
    assert nitet("manual", "load", path).output.count("ไม่มีการเปลี่ยนแปลง") == 1  # twice: nothing changes

    before = nitet.snapshot()
    refused = nitet("log-visit", "--school", "57010001", "--date", "1/3/2569", "--title", "นิเทศ", ok=False)
    assert refused.exit_code == 2 and "ก่อนปีการศึกษา 2569" in refused.output
    assert nitet.snapshot() == before
    nitet("log-visit", "--school", "57010001", "--date", "16/5/2569", "--title", "นิเทศ")

    del data["manual"]["year"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    nitet("manual", "load", path)
    assert nitet.json("manual", "show")["year"] is None
    nitet("log-visit", "--school", "57010001", "--date", "1/3/2569", "--title", "นิเทศปีที่แล้ว")


@pytest.mark.parametrize("year", [2026, "ปีนี้", 0])
def test_a_manual_year_that_is_not_a_buddhist_era_year_is_refused(initialised, tmp_path, year):
    before = initialised.snapshot()
    data = bundled_yaml()
    data["manual"]["year"] = year
    path = tmp_path / "bad-year.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = initialised("manual", "load", path, ok=False)
    assert result.exit_code == 2 and "manual.year" in result.output
    assert initialised.snapshot() == before
