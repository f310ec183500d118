"""Issue 12 items 2 (export part) and 3: `nitet export -o กิจกรรม.xlsx` is a real workbook, and
`export --term/--year/--from/--to` keep only the entries of that period."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
import zipfile
from datetime import datetime

import pytest
from exchange_data import supervisor_db

from nitet_cli.errors import EXIT_INPUT

openpyxl = pytest.importorskip("openpyxl")

HOSTILE = ['=HYPERLINK("http://evil.example","คลิก")', "+1+2", "-3", "@SUM(A1)", "=1+1"]


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    nitet = supervisor_db(tmp_path / "a" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "work-a")
    with sqlite3.connect(nitet.db_path) as conn:  # 03:30 the next morning in Thailand
        conn.execute("UPDATE activities SET updated_at = '2026-11-24T20:30:00+00:00' WHERE id = 1")
    conn.close()
    return nitet


def read_book(path):
    return openpyxl.load_workbook(path)  # not read_only: fonts, freeze panes and filters are read too


def columns(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1]}


def test_workbook_has_two_sheets_typed_cells_and_thai_layout(source, tmp_path):
    out = tmp_path / "กิจกรรม.xlsx"
    summary = source.json("export", "-o", out)  # the format follows the suffix
    assert summary["format"] == "xlsx" and summary["activities"] == 4
    book = read_book(out)
    assert book.sheetnames == ["กิจกรรม", "โรงเรียน"]
    sheet = book["กิจกรรม"]
    col = columns(sheet)
    assert list(col) == [
        "ID",
        "ภาคเรียน",
        "วันที่",
        "วันที่ (พ.ศ.)",
        "ศึกษานิเทศก์",
        "ประเภท",
        "รูปแบบ",
        "ชื่อกิจกรรม",
        "มาตรฐาน",
        "รหัสโรงเรียน",
        "โรงเรียน",
        "ผลการนิเทศ",
        "ข้อเสนอแนะ",
        "ผู้เข้าร่วม",
        "จำนวนครู",
        "หลักฐาน",
        "แก้ไขล่าสุด",
        "รหัสอ้างอิง (UUID)",
    ]  # the CSV's columns
    assert sheet.max_row == 5

    def cell(row, name):
        return sheet.cell(row=row, column=col[name])

    # IDs, terms, standards and school codes are text: Excel keeps "05701002" and "7.3"
    assert (cell(2, "ID").value, cell(2, "ID").data_type) == ("1", "s")
    assert (cell(2, "ภาคเรียน").value, cell(2, "ภาคเรียน").data_type) == ("2/2569", "s")
    assert (cell(2, "มาตรฐาน").value, cell(2, "มาตรฐาน").data_type) == ("7.3", "s")
    assert (cell(3, "มาตรฐาน").value, cell(3, "มาตรฐาน").data_type) == ("7.3; 7.4", "s")
    assert (cell(2, "รหัสโรงเรียน").value, cell(2, "รหัสโรงเรียน").data_type) == ("05701002; 57010001", "s")
    assert (cell(3, "รหัสโรงเรียน").value, cell(3, "รหัสโรงเรียน").data_type) == ("05701002", "s")
    assert cell(2, "มาตรฐาน").number_format == "@"  # typing into it later stays text too
    # the ISO date is a real date cell, the BE date as people write it beside it
    date_cell = cell(2, "วันที่")
    assert date_cell.is_date and date_cell.value == datetime(2026, 11, 2) and date_cell.number_format == "yyyy-mm-dd"
    assert (cell(2, "วันที่ (พ.ศ.)").value, cell(2, "วันที่ (พ.ศ.)").data_type) == ("2 พ.ย. 2569", "s")
    # the last change in Thai time, as a date-time that says +07:00
    changed = cell(2, "แก้ไขล่าสุด")
    assert changed.is_date and changed.value == datetime(2026, 11, 25, 3, 30) and "+07:00" in changed.number_format
    # the number of teachers is a number; none is an empty cell
    assert (cell(2, "จำนวนครู").value, cell(2, "จำนวนครู").data_type) == (5, "n")
    assert cell(5, "จำนวนครู").value is None
    assert cell(2, "ผลการนิเทศ").value == "ครูใช้แบบฝึกอ่าน\nนักเรียนอ่านคล่อง 80%"
    assert cell(5, "ชื่อกิจกรรม").value == "ประชุมสรุปผล <&> {{ x }} (นางสาวมาลี ใจดี)"
    assert cell(2, "รหัสอ้างอิง (UUID)").value == source.query("SELECT uuid FROM activities WHERE id = 1")[0][0]
    # Thai font everywhere, header frozen, an auto-filter over the table, widths that fit
    for row in sheet.iter_rows():
        for c in row:
            assert c.font.name == "TH SarabunPSK" and c.font.size == 16
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:R5"
    width = {name: sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width for name, i in col.items()}
    assert width["ชื่อกิจกรรม"] > width["วันที่"] > width["ID"] >= 5
    assert width["รหัสอ้างอิง (UUID)"] >= 36  # a UUID is 36 characters
    # rows tall enough for Thai marks above and below (not Calibri's 15 pt), two lines for two-line findings
    assert sheet.sheet_format.defaultRowHeight == 24
    assert sheet.row_dimensions[2].height == 48 and sheet.row_dimensions[5].height in (None, 24)

    schools = book["โรงเรียน"]
    assert [c.value for c in schools[1]] == ["รหัสโรงเรียน", "ชื่อโรงเรียน", "กลุ่มโรงเรียน", "อำเภอ"]
    assert (schools["A2"].value, schools["A2"].data_type) == ("05701002", "s")
    assert schools.freeze_panes == "A2" and schools.auto_filter.ref == "A1:D5"
    assert schools["B2"].font.name == "TH SarabunPSK"


def test_hostile_text_is_text_in_the_workbook_never_a_formula(source, tmp_path):
    for n, text in enumerate(HOSTILE):
        source("log", "7.2", "--title", text, "--findings", text, "--date", f"{10 + n}/11/2569", "--participants", "-")
    out = tmp_path / "x.xlsx"
    source("export", "-o", out)
    sheet = read_book(out)["กิจกรรม"]
    col = columns(sheet)
    titles = {}
    for row in range(2, sheet.max_row + 1):
        title = sheet.cell(row=row, column=col["ชื่อกิจกรรม"])
        titles[title.value] = title.data_type
        standard = sheet.cell(row=row, column=col["มาตรฐาน"])
        assert standard.data_type == "s"
    for text in HOSTILE:
        assert titles[text] == "s"  # text, exactly as typed
    assert "7.2" in {sheet.cell(row=r, column=col["มาตรฐาน"]).value for r in range(2, sheet.max_row + 1)}
    with zipfile.ZipFile(out) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)  # no formula anywhere


FULL_DISK = """
import resource, signal, sys
from typer.testing import CliRunner
from nitet_cli.cli import app
from nitet_cli import exchange
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
real_write = exchange.write_export

def full_disk_write(*args, **kwargs):  # the database is read; from here on no file grows past 2000 bytes
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, resource.RLIM_INFINITY))
    return real_write(*args, **kwargs)

exchange.write_export = full_disk_write
r = CliRunner().invoke(app, sys.argv[1:])
print(r.exit_code)
print(r.stderr)
"""


def test_workbook_that_cannot_be_written_leaves_the_old_one(source, tmp_path):
    out = tmp_path / "กิจกรรม.xlsx"
    out.write_bytes(b"old workbook")
    args = ["--db", str(source.db_path), "export", "-o", str(out)]
    proc = subprocess.run([sys.executable, "-c", FULL_DISK, *args], capture_output=True, text=True, timeout=120)
    code, _, stderr = proc.stdout.partition("\n")
    assert code == "5", proc.stdout + proc.stderr
    assert stderr.count("ข้อผิดพลาด") == 1 and "Traceback" not in stderr
    assert out.read_bytes() == b"old workbook" and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    result = source("export", "-o", tmp_path / "nowhere" / "กิจกรรม.xlsx", ok=False)
    assert result.exit_code == 5 and result.stderr.count("ข้อผิดพลาด") == 1
    result = source("export", "--format", "xlsx", ok=False)  # a workbook is not for the terminal
    assert result.exit_code == EXIT_INPUT and "-o" in result.stderr
    result = source("export", "--what", "schools", "-o", tmp_path / "s.xlsx", ok=False)
    assert result.exit_code == EXIT_INPUT and not (tmp_path / "s.xlsx").exists()


def test_export_does_not_load_xlsxwriter_unless_it_writes_a_workbook(source, tmp_path):
    code = (
        "import sys; from typer.testing import CliRunner; from nitet_cli.cli import app;"
        "r = CliRunner().invoke(app, sys.argv[1:]); assert r.exit_code == 0, r.output;"
        "print('xlsxwriter' in sys.modules)"
    )
    for suffix, loaded in ((".csv", "False"), (".json", "False"), (".xlsx", "True")):
        args = ["--db", str(source.db_path), "export", "-o", str(tmp_path / f"e{suffix}")]
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        assert out.stdout.strip() == loaded, suffix


# --- export of a period (issue 12 item 2) ---------------------------------------------------------


@pytest.fixture
def terms(source):
    """Entries in term 1/2569, term 2/2569 (the fixture's four in November) and term 1/2570."""
    source("log", "7.4", "--title", "ภาค 1", "--date", "15/6/2569")
    source("log", "7.4", "--title", "ปลายภาค 2", "--date", "1/3/2570", "--allow-future")
    source("log", "7.4", "--title", "ปีหน้า", "--date", "1/6/2570", "--allow-future")
    return source


def titles_of(nitet, tmp_path, *args) -> list[str]:
    out = tmp_path / "period.csv"
    nitet("export", "-o", out, *args)
    with open(out, encoding="utf-8-sig", newline="") as handle:
        return [row["ชื่อกิจกรรม"] for row in csv.DictReader(handle)]


def test_export_by_term_year_and_dates(terms, tmp_path):
    assert len(titles_of(terms, tmp_path)) == 7
    assert titles_of(terms, tmp_path, "--term", "1", "--year", "2569") == ["ภาค 1"]
    second = titles_of(terms, tmp_path, "--term", "2", "--year", "๒๕๖๙")  # Thai digits as elsewhere
    assert len(second) == 5 and second[-1] == "ปลายภาค 2"
    assert len(titles_of(terms, tmp_path, "--term", "2")) == 5  # the current academic year
    assert len(titles_of(terms, tmp_path, "--year", "2569")) == 6  # the whole academic year
    assert titles_of(terms, tmp_path, "--year", "2570") == ["ปีหน้า"]
    between = titles_of(terms, tmp_path, "--from", "3/11/2569", "--to", "2026-11-20")  # both days included
    assert [t.split(" (")[0] for t in between] == [
        "นิเทศการอ่านออกเขียนได้ ครั้งที่ 2",
        "นิเทศการอ่านออกเขียนได้ ครั้งที่ 3",
        "ประชุมสรุปผล <&> {{ x }}",
    ]
    assert titles_of(terms, tmp_path, "--from", "1/1/2570") == ["ปลายภาค 2", "ปีหน้า"]
    assert titles_of(terms, tmp_path, "--to", "30/6/2569") == ["ภาค 1"]
    assert titles_of(terms, tmp_path, "--term", "2", "--year", "2569", "--from", "1/1/2570") == ["ปลายภาค 2"]
    # the JSON and the summary follow the same filter
    data = json.loads(terms("export", "--term", "1", "--year", "2569").stdout)
    assert [a["title"] for a in data["activities"]] == ["ภาค 1"] and data["schools"] == []
    summary = terms.json("export", "--term", "1", "--year", "2569", "-o", tmp_path / "t.json")
    assert summary["activities"] == 1 and (summary["from"], summary["to"]) == ("2026-05-16", "2026-10-31")
    line = terms("export", "--term", "1", "--year", "2569", "-o", tmp_path / "t.xlsx").stdout
    assert "ภาคเรียนที่ 1/2569" in line and "กิจกรรม 1 รายการ" in line
    assert read_book(tmp_path / "t.xlsx")["กิจกรรม"].max_row == 2


def test_export_term_follows_announced_dates(terms, tmp_path):
    terms("term", "set", "2569", "2", "--start", "1/11/2569", "--end", "28/2/2570")
    assert "ปลายภาค 2" not in titles_of(terms, tmp_path, "--term", "2", "--year", "2569")
    out = tmp_path / "all.csv"
    terms("export", "-o", out)
    with open(out, encoding="utf-8-sig", newline="") as handle:
        term_of = {row["ชื่อกิจกรรม"]: row["ภาคเรียน"] for row in csv.DictReader(handle)}
    assert term_of["ภาค 1"] == "1/2569" and term_of["ปีหน้า"] == "1/2570"
    assert term_of["ปลายภาค 2"] == ""  # a day the announced terms leave out: a break


def test_export_period_mistakes_are_one_sentence_and_write_nothing(terms, tmp_path):
    out = tmp_path / "old.xlsx"
    out.write_bytes(b"old")
    result = terms("export", "--from", "30/11/2569", "--to", "1/11/2569", "-o", out, ok=False)
    assert result.exit_code == EXIT_INPUT
    assert result.stderr.count("ข้อผิดพลาด") == 1 and "--from" in result.stderr and "--to" in result.stderr
    assert "Traceback" not in result.stderr and out.read_bytes() == b"old"
    for args, word in (
        (["--from", "31/2/2569"], "ไม่มีจริง"),
        (["--to", "พรุ่งนี้"], "อ่านวันที่"),
        (["--term", "3"], "ภาคเรียน"),
        (["--year", "สองห้า"], "--year"),
        (["--year", "1999"], "พุทธศักราช"),
    ):
        result = terms("export", *args, "-o", out, ok=False)
        assert result.exit_code == EXIT_INPUT and word in result.stderr and result.stderr.count("\n") == 1, args
        assert out.read_bytes() == b"old"
