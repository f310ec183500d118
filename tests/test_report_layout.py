"""Issue 12 items 1 and 7: the report's layout — teachers per entry and totals, the mode of
visits only, the endorsement block — and, in LibreOffice's PDF, header words, status words and
a 10-digit school code whole on their lines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import docx_text
from term_data import build_term

from nitet_cli.pdf import find_soffice

LONG_CODE = "1057010004"
LONG_CODE_THAI = "๑๐๕๗๐๑๐๐๐๔"


@pytest.fixture
def term(initialised, tmp_path):
    """The term of term_data, plus a school with a 10-digit code visited with teachers counted,
    an online meeting and an on-site website update with teachers, and an online visit."""
    nitet = initialised
    nitet.data = build_term(nitet.db_path, tmp_path / "files")
    nitet("school", "add", "--code", LONG_CODE, "--name", "โรงเรียนบ้านรหัสสิบหลัก", "--group", "บ้านคู่")
    nitet(
        "log-visit",
        "-s",
        LONG_CODE,
        "-d",
        "2026-11-15",
        "--standard",
        "7.3",
        "--standard",
        "7.4",
        "-t",
        "นิเทศการสอนคณิตศาสตร์",
        "--teachers",
        "5",
    )
    nitet(
        "log", "7.2", "-k", "meeting", "--mode", "online", "-d", "2026-11-16", "-t", "ประชุมครูแกนนำ", "--teachers", "12"
    )
    nitet("log", "5.4", "-k", "website", "-d", "2026-11-17", "-t", "ปรับปรุงหน้าเว็บกลุ่มนิเทศ")
    nitet(
        "log-visit",
        "-s",
        "57010003",
        "-d",
        "2026-11-18",
        "--standard",
        "7.3",
        "--mode",
        "online",
        "-t",
        "นิเทศทางไกล",
        "--teachers",
        "0",
    )
    # A school of บ้านคู่ visited under another standard only: below 7.3's target, with a note.
    nitet("log-visit", "-s", "05701004", "-d", "2026-11-19", "--standard", "1.1", "-t", "สำรวจความต้องการสื่อ")
    # Follow-ups: one overdue (รอติดตาม (เลยกำหนด)), one closed as partly done, one until the next visit.
    nitet(
        "log-visit",
        "-s",
        "57010002",
        "-d",
        "2026-11-06",
        "--standard",
        "7.3",
        "-t",
        "นิเทศการอ่าน",
        "--follow-up",
        "ทำแบบบันทึกการอ่านรายสัปดาห์",
        "--follow-up",
        "จัดมุมหนังสือในห้องเรียน",
        "--check-by",
        "20/11/2569",
    )
    nitet("follow-up", "close", "2", "--result", "จัดแล้วบางส่วน", "--status", "partly", "--date", "21/11/2569")
    nitet(
        "log-visit",
        "-s",
        LONG_CODE,
        "-d",
        "2026-11-22",
        "--standard",
        "7.3",
        "-t",
        "นิเทศการเขียน",
        "--follow-up",
        "ฝึกเขียนตามคำบอกทุกวัน",
    )
    return nitet


@pytest.fixture
def report(term, tmp_path):
    out = tmp_path / "report.docx"
    term("report", "--term", "2", "-o", out)
    term.report = out
    return term


def test_teachers_per_standard_duty_and_term(term, tmp_path):
    out = tmp_path / "r.json"
    term("report", "--term", "2", "--format", "json", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    standards = {s["id"]: s for d in data["duties"] for s in d["standards"]}
    duties = {d["number"]: d for d in data["duties"]}
    assert standards["7.3"]["teachers"] == 5 and standards["7.4"]["teachers"] == 5
    assert standards["7.2"]["teachers"] == 12 and standards["5.4"]["teachers"] == 0
    assert duties[7]["teachers"] == 17  # the visit under 7.3 and 7.4 counts once for the duty
    assert data["totals"]["teachers"] == 17
    assert {e["title"]: e["teachers"] for e in data["entries"]}["นิเทศการสอนคณิตศาสตร์"] == 5


def test_teachers_in_the_document(report):
    from docx import Document

    from nitet_cli.thai import to_arabic_digits

    document = Document(str(report.report))
    (summary,) = [t for t in document.tables if t.rows[0].cells[1].text == "งาน/กิจกรรมตามมาตรฐาน"]
    header = [c.text for c in summary.rows[0].cells]
    assert header == ["ที่", "งาน/กิจกรรมตามมาตรฐาน", "กิจกรรม", "โรงเรียน", "ครู", "หลักฐาน", "สถานะ"]
    rows = {to_arabic_digits(r.cells[0].text) or r.cells[1].text: [c.text for c in r.cells] for r in summary.rows[1:]}
    assert rows["7.3"][4] == "๕" and rows["7.2"][4] == "๑๒" and rows["7"][4] == "๑๗" and rows["รวม"][4] == "๑๗"
    text = docx_text(report.report)
    assert "ครูที่ได้รับการนิเทศ ๕ คน" in text  # a visit
    assert "ครูที่เข้าร่วม ๑๒ คน" in text  # a meeting
    assert "ครู ๑๗ คน" in text  # the summary's sentence
    assert "ครูที่ได้รับการนิเทศ ๐ คน" not in text  # zero teachers is not worth a line


def test_the_mode_is_said_of_visits_only(report):
    text = docx_text(report.report)
    lines = text.splitlines()
    assert (
        "ประชุม" in lines and "อบรม" in lines and "ปรับปรุงเว็บไซต์" in lines
    )  # meeting online, training and website on site
    assert not re.search(r"(ประชุม|อบรม|ปรับปรุงเว็บไซต์) \(", text)
    assert "นิเทศโรงเรียน (ลงพื้นที่) ณ โรงเรียนบ้านรหัสสิบหลัก" in lines
    assert "นิเทศโรงเรียน (ออนไลน์) ณ โรงเรียนบ้านห้วยส้าน" in lines


def _endorsement(text: str) -> str:
    signed = text.index("วันที่ ๒๔ พฤศจิกายน ๒๕๖๙")  # the supervisor's signature, dated today
    start = text.index("ความเห็นของผู้บังคับบัญชา")
    end = text.index("ภาคผนวก")
    assert signed < start < end
    return text[start:end]


def test_endorsement_block_after_the_signature_with_dotted_lines(report):
    from docx import Document
    from docx.enum.text import WD_TAB_LEADER

    block = _endorsement(docx_text(report.report))
    lines = block.splitlines()
    assert lines[:4] == ["ความเห็นของผู้บังคับบัญชา", "\t", "\t", "\t"]  # three lines to write on
    assert lines[4].startswith("ลงชื่อ ....")
    assert re.fullmatch(r"\(\.{20,}\)", lines[5])  # no endorser in the profile: a dotted name
    assert re.fullmatch(r"ตำแหน่ง \.{20,}", lines[6])
    assert lines[7].startswith("วันที่ ....") and "พ.ศ." in lines[7]
    document = Document(str(report.report))
    index = next(i for i, p in enumerate(document.paragraphs) if p.text == "ความเห็นของผู้บังคับบัญชา")
    block_paragraphs = document.paragraphs[index : index + 8]
    for p in block_paragraphs[1:4]:
        (stop,) = p.paragraph_format.tab_stops
        assert stop.leader == WD_TAB_LEADER.DOTS
    assert all(p.paragraph_format.keep_with_next for p in block_paragraphs[:7])  # kept on one page


def test_endorsement_block_names_the_endorser_from_the_profile(term, tmp_path):
    term(
        "profile",
        "set",
        "--endorser-name",
        "นางสาวผู้อำนวยการ ใจดี",
        "--endorser-position",
        "ผู้อำนวยการกลุ่มนิเทศ ติดตาม และประเมินผลการจัดการศึกษา",
    )
    out = tmp_path / "endorsed.docx"
    term("report", "--term", "2", "-o", out)
    lines = _endorsement(docx_text(out)).splitlines()
    assert lines[:4] == ["ความเห็นของผู้บังคับบัญชา", "\t", "\t", "\t"]
    assert lines[5] == "(นางสาวผู้อำนวยการ ใจดี)"
    assert lines[6] == "ตำแหน่งผู้อำนวยการกลุ่มนิเทศ ติดตาม และประเมินผลการจัดการศึกษา"
    assert lines[7].startswith("วันที่ ....")  # the endorser dates it when signing


# --- item 7: the PDF, as a person would look at it -----------------------------------------------

_TONE_MARKS_AND_SPACE = re.compile("[\u0e48-\u0e4b\\s]")
LEFT_MARGIN_PT = 3 / 2.54 * 72  # the template's 3 cm: a paragraph starts here, a cell's text 0.1 cm further in


def _plain(text: str) -> str:
    """Text without tone marks and spaces: pdftotext sets a tone mark apart (``เป้ าหมาย``,
    ``ครัง้``) where Laksaman positions it as a glyph of its own; that is not a cut in the word."""
    return _TONE_MARKS_AND_SPACE.sub("", text)


def pdf_rows(pdf: Path) -> list[list[list[tuple[float, float, str]]]]:
    """Per page, the visual rows of words (``pdftotext -bbox-layout``), top to bottom; in a row,
    words as (x0, x1, text) left to right, the pieces of one word (a tone mark set apart) joined."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    ns = "{http://www.w3.org/1999/xhtml}"
    pages = []
    for page in ET.fromstring(xhtml).iter(f"{ns}page"):
        by_y: dict[int, list] = {}
        for word in page.iter(f"{ns}word"):
            y = round(float(word.get("yMin")))
            by_y.setdefault(y, []).append((float(word.get("xMin")), float(word.get("xMax")), word.text or ""))
        rows = []
        for y in sorted(by_y):
            merged: list[tuple[float, float, str]] = []
            for x0, x1, text in sorted(by_y[y]):
                if merged and x0 - merged[-1][1] < 3.0:  # a space is 5 pt or more at 14 pt
                    px0, px1, ptext = merged[-1]
                    merged[-1] = (px0, max(px1, x1), ptext + text)
                else:
                    merged.append((x0, x1, text))
            rows.append(merged)
        pages.append(rows)
    return pages


def column_lines(pages, header: list[str]) -> tuple[list[str], list[str]]:
    """The lines of the last column of every table whose header row ends with ``header[-1]``,
    top to bottom over all pages, and the header words that are not whole in such a row. A
    table ends at a paragraph (a row starting at the left margin)."""
    wanted = [_plain(w) for w in header]
    lines, problems, tables = [], [], 0
    for rows in pages:
        bound = None
        for row in rows:
            words = [_plain(t) for _, _, t in row]
            if len(words) > 1 and words[-1] == wanted[-1]:  # a header row of such a table
                missing = [w for w, p in zip(header, wanted) if p not in words]
                if missing:
                    problems.append(f"header words not whole: {missing} in {words}")
                bound = row[-2][1] + 1  # the right edge of the header word before it
                tables += 1
                continue
            if bound is None:
                continue
            if row[0][0] < LEFT_MARGIN_PT + 1.5:  # a paragraph after the table
                bound = None
                continue
            text = "".join(_plain(t) for x0, _, t in row if x0 > bound)
            if text:
                lines.append(text)
    if not tables:
        problems.append(f"no table with the header {header}")
    return lines, problems


def cells_problems(lines: list[str], expected: list[str], pieces: dict[str, list[str]]) -> list[str]:
    """Each expected cell text, in order, on one line or on two lines cut between its words; a
    mark with a note after it (``ต่ำกว่าเป้าหมาย (นิเทศในมาตรฐานอื่น ๑ ครั้ง)``) has its status
    whole on its first line, and the note on the lines after it."""
    problems, i = [], 0
    for label in expected:
        status, _, note = label.partition(" (")
        if note:
            taken = 1
            while "".join(lines[i : i + taken]) != _plain(label) and i + taken < len(lines):
                taken += 1
            if "".join(lines[i : i + taken]) != _plain(label) or not lines[i].startswith(_plain(status)):
                problems.append(f"{label} set as {lines[i : i + taken]}")
                break
            i += taken
        elif lines[i : i + 1] == [_plain(label)]:
            i += 1
        elif lines[i : i + 2] == [_plain(p) for p in pieces[label]]:
            i += 2
        else:
            problems.append(f"{label} set as {lines[i : i + 3]}")
            break
    if not problems and i != len(lines):
        problems.append(f"left over in the column: {lines[i:]}")
    return problems


STATUS_PIECES = {  # the two lines a status may take, cut between words
    "ดำเนินการแล้ว": ["ดำเนินการ", "แล้ว"],
    "กำลังดำเนินการ": ["กำลัง", "ดำเนินการ"],
    "ยังไม่ดำเนินการ": ["ยังไม่", "ดำเนินการ"],
    "ถึงเป้าหมาย": ["ถึง", "เป้าหมาย"],
    "ต่ำกว่าเป้าหมาย": ["ต่ำกว่า", "เป้าหมาย"],
    "ยังไม่ได้นิเทศ": ["ยังไม่ได้", "นิเทศ"],
}


def layout_problems(pdf: Path, data: dict) -> list[str]:
    """What a person would see as cut in the report of ``data`` (its JSON): a header word, a status."""
    pages = pdf_rows(pdf)
    statuses = [
        label for d in data["duties"] for label in [d["state_label"], *(s["state_label"] for s in d["standards"])]
    ]
    lines, problems = column_lines(pages, ["กิจกรรม", "โรงเรียน", "ครู", "หลักฐาน", "สถานะ"])
    problems += cells_problems(lines, statuses, STATUS_PIECES)
    marks = [r["mark"] for c in data["coverage"] for g in c["groups"] for r in g["rows"]]
    lines, found = column_lines(pages, ["รหัส", "สถานศึกษา", "ครั้ง", "เป้าหมาย", "ผล"])
    problems += found + cells_problems(lines, marks, STATUS_PIECES)
    return problems


needs_pdf_tools = pytest.mark.skipif(
    find_soffice() is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and pdftotext are not installed: apt-get install libreoffice-writer-nogui fonts-thai-tlwg poppler-utils",
)


@needs_pdf_tools
def test_pdf_headers_statuses_and_codes_are_whole(report, tmp_path):
    result = report.json("report", "--term", "2", "-o", tmp_path / "ตรวจ.docx", "--pdf")
    pdf = Path(result["pdf"])
    report("report", "--term", "2", "--format", "json", "-o", tmp_path / "ตรวจ.json")
    data = json.loads((tmp_path / "ตรวจ.json").read_text(encoding="utf-8"))
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    # The 10-digit code on one line of the page, the summary's header words together on one line.
    assert sum(LONG_CODE_THAI in line for line in layout.splitlines()) == 3  # under 6.3 and 7.3, and its follow-ups
    assert any(
        line.split()[-5:] == ["กิจกรรม", "โรงเรียน", "ครู", "หลักฐาน", "สถานะ"]
        for line in layout.splitlines()
        if line.split()
    )
    # Every status of the summary (43 standards, 9 duties) and every coverage mark, whole.
    marks = [r["mark"] for c in data["coverage"] for g in c["groups"] for r in g["rows"]]
    assert "ต่ำกว่าเป้าหมาย (นิเทศในมาตรฐานอื่น ๑ ครั้ง)" in marks
    assert layout_problems(pdf, data) == []
    # The follow-ups' states and headers: words whole (รอติดตาม (เลยกำหนด), ดำเนินการบางส่วน).
    words = {_plain(t) for rows in pdf_rows(pdf) for row in rows for _, _, t in row}
    whole = ["ข้อเสนอแนะ", "วันที่ให้", "ติดตาม", "ภายใน", "ผลการติดตาม", "รอติดตาม", "(เลยกำหนด)", "ดำเนินการ", "บางส่วน"]
    assert [w for w in whole if _plain(w) not in words] == []
    assert not {_plain(w) for w in ("(เลย", "กำหนด)", "ผลการติด")} & words
    # The endorsement block is on the page, after the signature.
    assert layout.index("ลงชื่อ") < layout.index("ความเห็นของผู้บังคับบัญชา") < layout.index("ภาคผนวก")


@needs_pdf_tools
def test_pdf_group_tables_break_headers_between_words(tmp_path, monkeypatch):
    """A group's (merged) report: the per-supervisor tables' headers of several words break
    between words (นิเทศตาม / เป้าหมาย, ถึงเป้าหมาย / ด้วยตนเอง), never inside one."""
    from conftest import Nitet
    from exchange_data import SCHOOLS, supervisor_db

    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    a = supervisor_db(tmp_path / "a" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "work-a", visits=3)
    b = supervisor_db(
        tmp_path / "b" / "nitet.db", "นายสมชาย รักเรียน", tmp_path / "work-b", schools=SCHOOLS[:2], visits=2
    )
    group = Nitet(tmp_path / "group.db")
    group("merge", a.db_path, b.db_path, "--into", group.db_path)
    pdf = Path(group.json("report", "--term", "2", "-o", tmp_path / "group.docx", "--pdf")["pdf"])
    words, headers = set(), 0
    for rows in pdf_rows(pdf):
        for i, row in enumerate(rows):
            if [_plain(t) for _, _, t in row[:2]] == [_plain("ที่"), _plain("ศึกษานิเทศก์")]:  # a group table's header
                headers += 1
                words |= {_plain(t) for r in rows[i : i + 3] for _, _, t in r}  # its three lines
    assert headers == 4  # the per-supervisor table and one per target (6.3, 7.3, 8.3)
    whole = [
        "ศึกษานิเทศก์",
        "กิจกรรม",
        "โรงเรียน",
        "หลักฐาน",
        "นิเทศตาม",
        "เป้าหมาย",
        "(ครั้ง)",
        "สถานศึกษา",
        "ที่นิเทศ",
        "ถึงเป้าหมาย",
        "ด้วยตนเอง",
        "(แห่ง)",
    ]
    assert [w for w in whole if _plain(w) not in words] == []
    cut = ["เป้า", "หมาย", "ถึงเป้า", "หมายด้วย", "กิจกร", "หลัก"]
    assert [w for w in cut if _plain(w) in words] == []
