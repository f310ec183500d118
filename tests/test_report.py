"""Issue 4: ``nitet report`` — the term's Thai DOCX progress report, opened again with python-docx."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from conftest import docx_text
from term_data import SCHOOLS, build_term

from nitet_cli.thai import to_arabic_digits

TERM = ("2026-11-01", "2027-05-15")
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def term(initialised, tmp_path):
    data = build_term(initialised.db_path, tmp_path / "files")
    initialised.data = data
    return initialised


@pytest.fixture
def report(term, tmp_path):
    out = tmp_path / "report.docx"
    term("report", "--term", "2", "-o", out)
    term.report = out
    return term


def open_docx(path: Path):
    from docx import Document

    return Document(str(path))


def find_tables(document, first_header: str, second_header: str):
    return [
        t
        for t in document.tables
        if len(t.rows) and t.rows[0].cells[0].text == first_header and t.rows[0].cells[1].text == second_header
    ]


def summary_rows(document) -> dict[str, list[str]]:
    (table,) = find_tables(document, "ที่", "งาน/กิจกรรมตามมาตรฐาน")
    return {to_arabic_digits(row.cells[0].text): [c.text for c in row.cells] for row in table.rows[1:]}


def summary_figures(cells: list[str]) -> tuple[int, int, int]:
    """Activities, schools and evidence of a summary row
    (ที่ | งาน/กิจกรรมตามมาตรฐาน | กิจกรรม | โรงเรียน | ครู | หลักฐาน | สถานะ)."""
    return tuple(int(to_arabic_digits(cells[i])) for i in (2, 3, 5))


def sql_counts(db, standard: str) -> tuple[int, int, int]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT count(DISTINCT a.id), count(DISTINCT y.school_code),"
            " (SELECT count(*) FROM evidence e JOIN activity_standards x2 ON x2.activity_id = e.activity_id"
            "   JOIN activities a2 ON a2.id = e.activity_id WHERE x2.standard_id = :s AND a2.date BETWEEN :start AND :end)"
            " FROM activities a JOIN activity_standards x ON x.activity_id = a.id"
            " LEFT JOIN activity_schools y ON y.activity_id = a.id"
            " WHERE x.standard_id = :s AND a.date BETWEEN :start AND :end",
            {"s": standard, "start": TERM[0], "end": TERM[1]},
        ).fetchone()
    finally:
        conn.close()


def test_default_file_name_from_year_and_term(term, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = term("report", "--term", "2")
    assert (tmp_path / "report-2569-2.docx").is_file()
    assert "report-2569-2.docx" in result.stdout


def test_summary_counts_equal_sql(report):
    rows = summary_rows(open_docx(report.report))
    standards = [sid for sid in rows if "." in sid]
    assert len(standards) == 43
    for sid in standards:
        cells = rows[sid]
        shown = summary_figures(cells)
        assert shown == tuple(sql_counts(report.db_path, sid)), sid
    assert rows["7"][6] == "กำลังดำเนินการ" and rows["1.1"][6] == "ดำเนินการแล้ว" and rows["5.1"][6] == "ยังไม่ดำเนินการ"
    total = next(r for r in rows.values() if r[1] == "รวม")
    assert [to_arabic_digits(c) for c in total[2:6]] == ["6", "3", "0", "7"]


def test_schools_below_target_are_marked(report):
    document = open_docx(report.report)
    tables = find_tables(document, "ที่", "รหัส")
    status = report.json("status")
    expected = {(r["standard"], r["name"]): r for r in status["schools"]}
    seen = 0
    for table in tables:
        for row in table.rows[1:]:
            name, visits, target, mark = (c.text for c in row.cells[2:6])
            matches = [
                r for (sid, n), r in expected.items() if n == name and r["visits"] == int(to_arabic_digits(visits))
            ]
            assert matches, name
            (run,) = [r for r in row.cells[5].paragraphs[0].runs if r.text]
            if all(not m["met"] for m in matches):
                assert mark in ("ต่ำกว่าเป้าหมาย", "ยังไม่ได้นิเทศ"), (name, mark)
                assert run.bold and str(run.font.color.rgb) == "C00000"  # stands out in print and on screen
            else:
                assert mark == "ถึงเป้าหมาย" and not run.bold
            seen += 1
    assert seen == len(status["schools"]) == 4 + 2 + len(SCHOOLS)  # 7.3, 8.3, 6.3 (every school)
    text = docx_text(report.report)
    assert "ยังไม่ได้นิเทศ" in text and "ต่ำกว่าเป้าหมาย" in text


def test_every_photo_embedded_once(report):
    document = open_docx(report.report)
    # Three decodable photos: the one linked to 7.3 and 7.4 appears once, the damaged one not at all.
    assert len(document.inline_shapes) == 3
    media = [p for p in document.part.package.iter_parts() if p.partname.startswith("/word/media/")]
    assert len(media) == 3
    text = docx_text(report.report)
    assert "damaged.jpg" in text and "แผนการนิเทศ.pdf" in text  # listed as files, not embedded
    assert "ครูสอนในห้องเรียน" in text and "นักเรียนอ่านหนังสือ" in text  # captions


def test_photos_are_upright_and_downscaled(report):
    from io import BytesIO

    from PIL import Image

    document = open_docx(report.report)
    sizes = []
    for shape in document.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        part = document.part.related_parts[blip.embed]
        with Image.open(BytesIO(part.blob)) as image:
            sizes.append(image.size)
            assert image.format == "JPEG"
        assert shape.width <= 7.5 * 360000 + 1 and shape.height <= 6.5 * 360000 + 1  # within the 7.5 x 6.5 cm box
    # The sideways photo (stored 320x640 with EXIF orientation 6) is shown 640 wide, 320 high.
    assert sorted(sizes) == sorted([(640, 320), (640, 320), (400, 400)])


def test_entries_in_date_order_with_thai_dates(report):
    text = docx_text(report.report)
    first = text.index("๒ พฤศจิกายน ๒๕๖๙ นิเทศการจัดการเรียนรู้เชิงรุก")
    second = text.index("๓ พฤศจิกายน ๒๕๖๙ สรุปผลการนิเทศและ PLC")
    third = text.index("๕ พฤศจิกายน ๒๕๖๙ ติดตามการอ่านออกเขียนได้")
    assert first < second < third
    assert "ข้อเสนอแนะ: ควรเพิ่มการสะท้อนผล" in text
    assert "https://drive.google.com/file/d/1AbC" in text
    assert "นิเทศภาคเรียนก่อน" not in text  # term 1
    assert text.count("สรุปผลการนิเทศและ PLC") == 2  # under 7.3 and under 7.4


def test_thai_digits_throughout(report):
    document = open_docx(report.report)
    # Everything nitet writes (counts, dates, numbers, codes) is in Thai digits; Arabic digits appear
    # only inside text users typed (none in the figures) and links.
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                assert not re.search(r"[0-9]", cell.text), cell.text
    text = docx_text(report.report)
    assert "ภาคเรียนที่ ๒ ปีการศึกษา ๒๕๖๙" in text
    assert "ระหว่างวันที่ ๑ พฤศจิกายน ๒๕๖๙ ถึงวันที่ ๑๕ พฤษภาคม ๒๕๗๐" in text
    assert "วันที่ ๒๔ พฤศจิกายน ๒๕๖๙" in text  # signature date: today
    for line in text.splitlines():
        if re.search(r"[0-9]", line):
            assert "http" in line, line


def test_cover_and_signature(report):
    text = docx_text(report.report)
    assert text.startswith("รายงานผลการปฏิบัติงาน")
    assert "นายรณชัย สิงห์คำ" in text and "(นายรณชัย สิงห์คำ)" in text
    assert "ลงชื่อ" in text and "ตำแหน่งศึกษานิเทศก์ วิทยฐานะชำนาญการพิเศษ" in text
    assert "ภาคผนวก" in text


def test_styles_carry_the_complex_script_font_a4_and_page_numbers(report):
    from docx.oxml.ns import qn
    from docx.shared import Cm

    document = open_docx(report.report)
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:cs")) == "TH SarabunPSK"
    assert defaults.find(qn("w:szCs")).get(qn("w:val")) == "32"
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        rpr = document.styles[name].element.find(qn("w:rPr"))
        assert rpr.find(qn("w:rFonts")).get(qn("w:cs")) == "TH SarabunPSK", name
        assert rpr.find(qn("w:szCs")) is not None, name
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:fmt")) == "thaiNumbers"
    header_xml = section.header._element.xml
    assert "PAGE" in header_xml


def test_empty_term_gives_a_valid_report_that_says_so(term, tmp_path):
    out = tmp_path / "empty.docx"
    term("report", "--year", "2570", "--term", "1", "-o", out)
    text = docx_text(out)
    assert "ภาคเรียนนี้ยังไม่มีการบันทึกกิจกรรม" in text
    assert "ภาคเรียนนี้ไม่มีภาพกิจกรรม" in text
    assert "ภาคเรียนที่ ๑ ปีการศึกษา ๒๕๗๐" in text
    assert len(open_docx(out).inline_shapes) == 0


def test_json_format_has_the_same_figures_and_entries(report, tmp_path):
    out = tmp_path / "report.json"
    report("report", "--term", "2", "--format", "json", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    rows = summary_rows(open_docx(report.report))
    for duty in data["duties"]:
        for s in duty["standards"]:
            assert tuple(s[k] for k in ("activities", "schools", "evidence")) == summary_figures(rows[s["id"]])
    assert data["totals"]["activities"] == 6
    assert [e["date"] for e in data["entries"]] == sorted(e["date"] for e in data["entries"])
    assert {r["code"] for r in data["schools"]} == {code for code, _, _ in SCHOOLS}
    assert data["report"]["year"] == 2569 and data["report"]["term"] == 2


def test_hostile_text_comes_out_literally(term, tmp_path):
    from datetime import date

    from nitet_cli.activities import NewActivity, add_activity
    from nitet_cli.db import connect

    long_finding = ("ผลการนิเทศยาวมาก <&> " * 2500)[:50_000]
    hostile = "ชื่อ <b>&amp; \"อ้าง\" 'เดี่ยว' {{ 7*7 }} {% for x in y %} {#"
    conn = connect(term.db_path)
    try:
        add_activity(
            conn,
            term.db_path,
            NewActivity(
                date=date(2026, 11, 21),
                title=hostile,
                standards=["7.4"],
                schools=["57010001"],
                findings=long_finding,
                suggestions="ควบคุม\x01\x0b\x1fอักขระ]]></w:t>",
            ),
        )
        # A merged database may hold text that never went through clean_text: control characters too.
        conn.execute("UPDATE schools SET name = name || ?", ("\x0c\x07",))
    finally:
        conn.close()
    out = tmp_path / "hostile.docx"
    term("report", "--term", "2", "-o", out)
    text = docx_text(out)  # reopens
    assert hostile in text
    assert "49" not in text.replace("https", "")
    assert long_finding.strip() in text.replace("\n", "")
    assert "ควบคุมอักขระ]]></w:t>" in text
    assert "\x07" not in text and "\x0c" not in text


def test_template_with_a_jinja_error_names_template_and_line(report, tmp_path):
    bad = tmp_path / "bad.docx"
    from nitet_cli.render import template_path

    document = open_docx(template_path("report"))
    document.add_paragraph("{{ profile.name ")
    document.save(bad)
    before = report.report.read_bytes()
    result = report("report", "--term", "2", "--template", bad, "-o", report.report, ok=False)
    assert result.exit_code == 2
    assert str(bad) in result.stderr and "บรรทัด" in result.stderr
    assert report.report.read_bytes() == before  # the old report is intact


def test_output_folder_missing_is_one_sentence(term, tmp_path):
    result = term("report", "--term", "2", "-o", tmp_path / "nowhere" / "r.docx", ok=False)
    assert result.exit_code == 5
    assert result.stderr.startswith("ข้อผิดพลาด:") and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "nowhere").exists()


def test_locked_output_keeps_the_old_file(report, monkeypatch):
    """A file open in Word (Windows) refuses the rename: one sentence, the old file intact, no leftovers."""
    before = report.report.read_bytes()

    def locked(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    result = report("report", "--term", "2", "-o", report.report, ok=False)
    monkeypatch.undo()
    assert result.exit_code == 5
    assert "ไฟล์เดิมยังอยู่ครบ" in result.stderr
    assert report.report.read_bytes() == before
    assert [p.name for p in report.report.parent.iterdir() if p.name.startswith(".report.docx")] == []


def test_bad_format_is_refused(term, tmp_path):
    result = term("report", "--format", "pdf", "-o", tmp_path / "x.pdf", ok=False)
    assert result.exit_code == 2 and "docx" in result.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_report_as_pdf_through_libreoffice(report, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    out = tmp_path / "pdf"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(report.report),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = out / "report.pdf"
    assert pdf.is_file()
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "รายงานผลการปฏิบัติงาน" in text and "ภาคผนวก" in text
        assert "ลงชื่อ" in text and "นายรณชัย สิงห์คำ" in text
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages >= 5
        assert "(A4)" in info


def test_term_recorded_through_the_cli(initialised, tmp_path):
    """The whole path a supervisor takes: school add, log-visit with photos, log; then report."""
    from term_data import make_photo

    nitet = initialised
    for code, name, group in SCHOOLS[:4]:
        nitet("school", "add", "--code", code, "--name", name, "--group", group)
    photo_a = make_photo(tmp_path / "a.jpg", (900, 600), "orange")
    photo_b = make_photo(tmp_path / "b.jpg", (600, 900), "purple", orientation=3)
    nitet(
        "log-visit",
        "-s",
        "57010001",
        "-s",
        "57010002",
        "-d",
        "2026-11-03",
        "--standard",
        "7.3",
        "--standard",
        "7.4",
        "-t",
        "นิเทศชั้นเรียน ป.๑",
        "--findings",
        "อ่านคล่อง",
        "-e",
        photo_a,
        "-e",
        photo_b,
        "--caption",
        "ในห้องเรียน",
    )
    nitet(
        "log-visit",
        "-s",
        "57010001",
        "-d",
        "2026-11-10",
        "--standard",
        "7.3",
        "-t",
        "ติดตามผล",
        "--link",
        "https://drive.google.com/x",
    )
    nitet("log", "7.2", "-t", "ประชุมวางแผน", "-k", "meeting", "-d", "2026-11-12")
    out = tmp_path / "cli.docx"
    nitet("report", "--term", "2", "-o", out)
    document = open_docx(out)
    rows = summary_rows(document)
    for sid in ("7.2", "7.3", "7.4", "6.3"):
        assert summary_figures(rows[sid]) == tuple(sql_counts(nitet.db_path, sid)), sid
    assert summary_figures(rows["7"]) == (3, 2, 3)  # the visit under 7.3 and 7.4 counts once
    assert len(document.inline_shapes) == 2  # each photo once, though its entry is listed under 7.3 and 7.4
    text = docx_text(out)
    assert text.count("นิเทศชั้นเรียน ป.๑") == 2 and "๓ พฤศจิกายน ๒๕๖๙" in text
    marks = {row.cells[2].text: row.cells[5].text for t in find_tables(document, "ที่", "รหัส") for row in t.rows[1:]}
    assert marks["โรงเรียนบ้านคู่"] == "ถึงเป้าหมาย" and marks["โรงเรียนบ้านห้วยส้าน"] == "ยังไม่ได้นิเทศ"


def test_the_readme_report_commands_run_in_order_from_a_fresh_folder(term, tmp_path, monkeypatch):
    """A newcomer copies the README's block of status/report/template commands, in order."""
    import shlex

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Term progress and the term report", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    folder = tmp_path / "ใหม่"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("HOME", str(folder))
    lines = [
        shlex.split(line.split("  #", 1)[0], comments=True) for line in block.splitlines() if line.startswith("nitet ")
    ]
    assert any("--template" in args for args in lines)
    for args in lines:
        args = [os.path.expanduser(a) for a in args[1:]]
        result = term(*args, ok=False)
        allowed = (0, 1) if "--fail-on-gap" in args else (0,)
        assert result.exit_code in allowed, f"nitet {' '.join(args)}: {result.output}"
