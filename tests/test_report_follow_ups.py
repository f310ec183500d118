"""Issue 10, part 5: the report's section การติดตามผลการนิเทศ — the follow-ups given in the
term, grouped by school, with given-on, check-by, status and result in Thai words, BE dates
and Thai digits, and the counts done / partly / not done / open; the same in
``report --format json``; a term without follow-ups says so in one line."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from conftest import visit, with_schools

SCHOOLS_CSV = (
    "code,name,group,district\n"
    "57010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
    "57010003,โรงเรียนบ้าน[red]สันทราย[/red],ริมกก,เมืองเชียงราย\n"
)
BAN_KHU, DOI_NGAM, SAN_SAI = "57010001", "57010002", "57010003"
HEADER = ["ที่", "ข้อเสนอแนะ", "วันที่ให้", "ติดตาม\nภายใน", "สถานะ", "ผลการติดตาม"]  # a header broken between its words
SECTION = "ส่วนที่ ๔ การติดตามผลการนิเทศ"
# NITET_TODAY is 2026-11-24 (conftest): term 2/2569 (1 Nov 2026 – 15 May 2027).


@pytest.fixture
def world(initialised, tmp_path):
    return with_schools(initialised, tmp_path, SCHOOLS_CSV)


@pytest.fixture
def cycle(world):
    """Term 1: one item (not in term 2's report). Term 2: items at three schools — done, partly,
    not done, open and overdue, open at the next visit."""
    visit(world, "-s", DOI_NGAM, "--date", "2026-09-01", "--follow-up", "ทำแผนนิเทศภายใน")  # term 1
    visit(
        world, "-s", SAN_SAI, "--date", "2026-11-02", "--follow-up", "จัดมุม[bold]อ่าน[/bold]", "--check-by", "2026-11-16"
    )
    visit(world, "-s", BAN_KHU, "--date", "2026-11-03", "--follow-up", "บันทึกหลังสอน", "--follow-up", "ประชุม PLC",
          "--check-by", "2026-11-30")  # fmt: skip
    visit(world, "-s", BAN_KHU, "--date", "2026-11-05", "--follow-up", "ใช้ข้อมูล O-NET")  # at the next visit
    visit(world, "-s", DOI_NGAM, "--date", "2026-11-06", "--follow-up", "เพิ่มเวลาอ่าน")
    ids = {i["text"]: i["id"] for i in world.json("follow-up", "list", "--all")}
    world("follow-up", "close", ids["บันทึกหลังสอน"], "--result", "ครูบันทึกครบทุกชั้น", "--date", "2026-11-20")
    world(
        "follow-up",
        "close",
        ids["ประชุม PLC"],
        "--result",
        "ประชุมแล้วครั้งเดียว",
        "--status",
        "partly",
        "--date",
        "2026-11-20",
    )
    world(
        "follow-up", "close", ids["เพิ่มเวลาอ่าน"], "--result", "ยังไม่ได้เริ่ม", "--status", "not-done", "--date", "2026-11-21"
    )
    visit(world, "-s", BAN_KHU, "--date", "2026-11-20")  # "ใช้ข้อมูล O-NET" is due at this visit: now overdue
    return world


def open_docx(path):
    from docx import Document

    return Document(str(path))


def body_blocks(document):
    """Paragraphs and tables in document order: ("p", style, text) or ("t", rows of cell texts)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    blocks = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            p = Paragraph(child, document)
            blocks.append(("p", p.style.name, p.text))
        elif tag == "tbl":
            blocks.append(("t", [[c.text for c in row.cells] for row in Table(child, document).rows]))
    return blocks


def section(document) -> list:
    """The blocks of ส่วนที่ ๔, up to the signature block."""
    blocks = body_blocks(document)
    start = next(i for i, b in enumerate(blocks) if b[0] == "p" and b[2] == SECTION)
    end = next(i for i, b in enumerate(blocks) if i > start and b[0] == "p" and b[2].startswith("ลงชื่อ"))
    return blocks[start:end]


def test_the_section_in_the_docx(cycle, tmp_path):
    out = tmp_path / "report.docx"
    cycle("report", "--term", "2", "-o", out)
    document = open_docx(out)
    blocks = body_blocks(document)
    headings = [b[2] for b in blocks if b[0] == "p" and b[1] == "Heading 1"]
    # after what was done (ส่วนที่ ๓), before the signature block and the appendix
    assert headings.index(SECTION) == headings.index("ส่วนที่ ๓ ผลการปฏิบัติงานตามมาตรฐาน") + 1
    assert headings[headings.index(SECTION) + 1] == "ภาคผนวก"
    part = section(document)
    text = "\n".join(b[2] for b in part if b[0] == "p")
    assert (
        "ข้อเสนอแนะที่ให้สถานศึกษาไว้เพื่อติดตามผลระหว่างวันที่ ๑ พฤศจิกายน ๒๕๖๙ ถึงวันที่ ๑๕ พฤษภาคม ๒๕๗๐"
        " รวม ๕ รายการ ใน ๓ แห่ง ดำเนินการแล้ว ๑ รายการ ดำเนินการบางส่วน ๑ รายการ ยังไม่ได้ดำเนินการ ๑ รายการ"
        " และรอติดตาม ๒ รายการ (เลยกำหนดติดตาม ๒ รายการ)"
    ) in text
    # a heading and a table a school, by school group then name
    schools = [b[2] for b in part if b[0] == "p" and b[1] == "Heading 3"]
    assert schools == [
        "โรงเรียนบ้านคู่ (๕๗๐๑๐๐๐๑) กลุ่มโรงเรียนบ้านคู่",
        "โรงเรียนดอยงาม (๕๗๐๑๐๐๐๒) กลุ่มโรงเรียนพื้นที่สูง",
        "โรงเรียนบ้าน[red]สันทราย[/red] (๕๗๐๑๐๐๐๓) กลุ่มโรงเรียนริมกก",  # user text as typed
    ]
    tables = [b[1] for b in part if b[0] == "t"]
    assert [t[0] for t in tables] == [HEADER] * 3
    assert tables[0][1:] == [
        ["๑", "บันทึกหลังสอน", "๓ พ.ย. ๒๕๖๙", "๓๐ พ.ย. ๒๕๖๙", "ดำเนินการแล้ว", "ครูบันทึกครบทุกชั้น (๒๐ พ.ย. ๒๕๖๙)"],
        ["๒", "ประชุม PLC", "๓ พ.ย. ๒๕๖๙", "๓๐ พ.ย. ๒๕๖๙", "ดำเนินการบางส่วน", "ประชุมแล้วครั้งเดียว (๒๐ พ.ย. ๒๕๖๙)"],
        ["๓", "ใช้ข้อมูล O-NET", "๕ พ.ย. ๒๕๖๙", "นิเทศครั้งถัดไป (๒๐ พ.ย. ๒๕๖๙)", "รอติดตาม (เลยกำหนด)", ""],
    ]
    assert tables[1][1:] == [
        ["๑", "เพิ่มเวลาอ่าน", "๖ พ.ย. ๒๕๖๙", "นิเทศครั้งถัดไป", "ยังไม่ได้ดำเนินการ", "ยังไม่ได้เริ่ม (๒๑ พ.ย. ๒๕๖๙)"]
    ]
    assert tables[2][1:] == [["๑", "จัดมุม[bold]อ่าน[/bold]", "๒ พ.ย. ๒๕๖๙", "๑๖ พ.ย. ๒๕๖๙", "รอติดตาม (เลยกำหนด)", ""]]
    assert "ทำแผนนิเทศภายใน" not in text + str(tables)  # given in term 1
    # numbers and dates of the section in Thai digits (only the user's own text keeps its Latin letters)
    cells = [c for t in tables for row in t[1:] for i, c in enumerate(row) if i != 1]
    assert not any(re.search(r"[0-9]", c) for c in cells + [text])


def test_json_has_the_same_section(cycle, tmp_path):
    out = tmp_path / "report.json"
    cycle("report", "--term", "2", "--format", "json", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))["follow_ups"]
    listed = [i for i in cycle.json("follow-up", "list", "--all") if "2026-11-01" <= i["given_on"] <= "2027-05-15"]
    counted = Counter(i["status"] for i in listed)
    assert data["counts"] == {
        "open": counted["open"], "done": counted["done"], "partly": counted["partly"], "not_done": counted["not_done"],
        "total": len(listed), "overdue": sum(i["overdue"] for i in listed),
    }  # fmt: skip
    assert data["counts"] == {"open": 2, "done": 1, "partly": 1, "not_done": 1, "total": 5, "overdue": 2}
    assert [s["code"] for s in data["schools"]] == [BAN_KHU, DOI_NGAM, SAN_SAI]
    rows = {r["id"]: r for s in data["schools"] for r in s["rows"]}
    assert sorted(rows) == sorted(i["id"] for i in listed)
    for item in listed:
        row = rows[item["id"]]
        for key in (
            "text",
            "given_on",
            "check_by",
            "due_on",
            "status",
            "status_label",
            "result",
            "closed_on",
            "overdue",
        ):
            assert row[key] == item[key], key
    onet = next(r for r in rows.values() if r["text"] == "ใช้ข้อมูล O-NET")
    assert (onet["check_by"], onet["due_on"], onet["status_text"]) == (None, "2026-11-20", "รอติดตาม (เลยกำหนด)")


def test_a_term_without_follow_ups_says_so_in_one_line(cycle, tmp_path):
    out = tmp_path / "report.docx"
    cycle("report", "--term", "1", "--year", "2570", "-o", out)  # nothing in term 1/2570
    part = section(open_docx(out))
    assert [b for b in part if b[0] == "t"] == []
    lines = [b[2] for b in part if b[0] == "p" and b[2].strip()]
    assert lines == [SECTION, "ไม่มีข้อเสนอแนะที่ต้องติดตามซึ่งให้ไว้ระหว่างวันที่ ๑๖ พฤษภาคม ๒๕๗๐ ถึงวันที่ ๓๑ ตุลาคม ๒๕๗๐"]
    cycle("report", "--term", "1", "--year", "2570", "--format", "json", "-o", tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["follow_ups"] == {
        "counts": {"open": 0, "done": 0, "partly": 0, "not_done": 0, "total": 0, "overdue": 0},
        "schools": [],
    }
