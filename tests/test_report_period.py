"""Issue 12 item 2: ``nitet report --month`` and ``--from/--to`` — the same sections for any
days, titled by the period in Buddhist Era; bad periods are one Thai sentence, exit 2, nothing
written."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import docx_text
from term_data import build_term

from nitet_cli.dates import parse_month
from nitet_cli.errors import EXIT_INPUT, InputError

TODAY = date(2026, 11, 24)  # conftest pins NITET_TODAY


@pytest.fixture
def term(initialised, tmp_path):
    initialised.data = build_term(initialised.db_path, tmp_path / "files")
    return initialised


def report_json(nitet, tmp_path, *args) -> dict:
    out = tmp_path / "period.json"
    nitet("report", *args, "--format", "json", "-o", out)
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("11/2569", (2026, 11)),
        ("11/2026", (2026, 11)),
        ("๑๑/๒๕๖๙", (2026, 11)),
        ("1-2570", (2027, 1)),
        ("11.2569", (2026, 11)),
        ("2026-11", (2026, 11)),
        ("2569-11", (2026, 11)),
        ("พ.ย. 2569", (2026, 11)),
        ("พย 2569", (2026, 11)),
        ("พฤศจิกายน 2569", (2026, 11)),
        ("  มกราคม ๒๕๗๐ ", (2027, 1)),
        ("เดือนนี้", (2026, 11)),
        ("this month", (2026, 11)),
    ],
)
def test_month_forms(text, expected):
    assert parse_month(text, TODAY) == expected


@pytest.mark.parametrize(
    "text, words",
    [
        ("13/2569", "1 ถึง 12"),
        ("0/2569", "1 ถึง 12"),
        ("11/69", "๔ หลัก"),
        ("พฤศจิ 2569", "ไม่รู้จักเดือน"),
        ("พฤศจิกายน", "อ่านเดือน"),
        ("next month", "อ่านเดือน"),
        ("11/1700", "ปี"),
        ("", "ไม่ได้ระบุเดือน"),
    ],
)
def test_a_month_that_does_not_parse_is_one_sentence(text, words):
    with pytest.raises(InputError) as caught:
        parse_month(text, TODAY)
    assert words in caught.value.message
    assert "\n" not in caught.value.message


def test_month_report_counts_only_its_days(term, tmp_path):
    data = report_json(term, tmp_path, "--month", "11/2569")
    assert data["report"]["period"] == "month"
    assert (data["report"]["start"], data["report"]["end"]) == ("2026-11-01", "2026-11-30")
    assert data["report"]["heading"] == "ประจำเดือนพฤศจิกายน พ.ศ. ๒๕๖๙"
    assert data["report"]["year"] is None and data["report"]["term"] is None
    dates = [e["date"] for e in data["entries"]]
    assert dates and all("2026-11-01" <= d <= "2026-11-30" for d in dates)
    assert "2026-10-15" not in dates  # the entry of term 1
    assert data["totals"]["activities"] == len(dates) == 6
    october = report_json(term, tmp_path, "--month", "ต.ค. 2569")
    assert [e["title"] for e in october["entries"]] == ["นิเทศภาคเรียนก่อน"]
    assert october["totals"]["activities"] == 1


def test_date_range_counts_only_its_days_and_the_same_sections(term, tmp_path):
    data = report_json(term, tmp_path, "--from", "3/11/2569", "--to", "2026-11-10")
    assert data["report"]["period"] == "range"
    assert data["report"]["heading"] == "ระหว่างวันที่ ๓–๑๐ พฤศจิกายน ๒๕๖๙"
    assert sorted(e["date"] for e in data["entries"]) == ["2026-11-03", "2026-11-05", "2026-11-10"]
    assert data["totals"]["activities"] == 3
    # The figures of the range are those of the term report over the same days.
    assert {s["id"]: s["activities"] for d in data["duties"] for s in d["standards"] if s["activities"]} == {
        "7.3": 2,
        "7.4": 1,
        "8.3": 1,
    }
    assert data["coverage"], "the coverage section is there for a period too"
    out = tmp_path / "range.docx"
    term("report", "--from", "3/11/2569", "--to", "2026-11-10", "-o", out)
    text = docx_text(out)
    for section in (
        "ส่วนที่ ๑ สรุปผลการปฏิบัติงาน",
        "ส่วนที่ ๒ การนิเทศสถานศึกษาตามเป้าหมาย",
        "ส่วนที่ ๓ ผลการปฏิบัติงานตามมาตรฐาน",
        "ภาคผนวก",
    ):
        assert section in text
    assert "ระหว่างวันที่ ๓–๑๐ พฤศจิกายน ๒๕๖๙" in text
    assert "นับการนิเทศระหว่างวันที่ ๓ พฤศจิกายน ๒๕๖๙ ถึงวันที่ ๑๐ พฤศจิกายน ๒๕๖๙" in text
    assert "ภาคเรียนที่" not in text and "None" not in text


def test_from_alone_runs_to_today(term, tmp_path):
    data = report_json(term, tmp_path, "--from", "20/11/2569")
    assert (data["report"]["start"], data["report"]["end"]) == ("2026-11-20", "2026-11-24")
    assert [e["title"] for e in data["entries"]] == ["อบรมการวัดผล"]


def test_month_docx_is_titled_by_the_month_in_buddhist_era(term, tmp_path):
    out = tmp_path / "month.docx"
    term("report", "--month", "พฤศจิกายน 2569", "-o", out)
    text = docx_text(out)
    assert text.startswith("รายงานผลการปฏิบัติงาน\nประจำเดือนพฤศจิกายน พ.ศ. ๒๕๖๙\n")
    assert "ระหว่างวันที่ ๑ พฤศจิกายน ๒๕๖๙ ถึงวันที่ ๓๐ พฤศจิกายน ๒๕๖๙" in text
    assert "เดือนพฤศจิกายน ๒๕๖๙ ระหว่างวันที่ ๑ พฤศจิกายน ๒๕๖๙" in text  # the summary's first sentence
    assert "ภาคเรียนที่" not in text and "None" not in text


def test_empty_month_says_so_in_its_own_words(term, tmp_path):
    out = tmp_path / "empty.docx"
    term("report", "--month", "1/2570", "-o", out)
    text = docx_text(out)
    assert "เดือนนี้ยังไม่มีการบันทึกกิจกรรม" in text and "เดือนนี้ไม่มีภาพกิจกรรม" in text


@pytest.mark.parametrize(
    "args, name",
    [
        (("--month", "11/2569"), "report-2569-11.docx"),
        (("--month", "2027-01"), "report-2570-01.docx"),
        (("--from", "1/11/2569", "--to", "15/12/2569"), "report-2569-11-01_2569-12-15.docx"),
        (("--term", "2"), "report-2569-2.docx"),
    ],
)
def test_default_file_names_say_the_period(term, tmp_path, monkeypatch, args, name):
    monkeypatch.chdir(tmp_path)
    result = term("report", *args)
    assert (tmp_path / name).is_file()
    assert name in result.stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (("--from", "2/12/2569", "--to", "1/12/2569"), "--from"),
        (("--from", "25/11/2569"), "วันนี้"),  # after today, the default end
        (("--month", "13/2569"), "1 ถึง 12"),
        (("--month", "พฤศจิ 2569"), "ไม่รู้จักเดือน"),
        (("--from", "31/2/2569", "--to", "1/3/2569"), "ไม่มีจริง"),
        (("--to", "1/12/2569"), "--from"),
        (("--month", "11/2569", "--term", "2"), "เลือกอย่างใดอย่างหนึ่ง"),
        (("--month", "11/2569", "--from", "1/11/2569"), "เลือกอย่างใดอย่างหนึ่ง"),
        (("--from", "1/11/2569", "--year", "2569"), "เลือกอย่างใดอย่างหนึ่ง"),
    ],
)
def test_bad_periods_are_one_sentence_exit_2_and_write_nothing(term, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    old = tmp_path / "old.docx"
    old.write_bytes(b"the report handed in last month")
    before = term.snapshot()
    listing = sorted(p.name for p in tmp_path.iterdir())
    result = term("report", *args, "-o", old, ok=False)
    assert result.exit_code == EXIT_INPUT
    assert result.stderr.startswith("ข้อผิดพลาด: ") and len(result.stderr.strip().splitlines()) == 1
    assert words in result.stderr
    assert "Traceback" not in result.output
    assert old.read_bytes() == b"the report handed in last month"
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    assert term.snapshot() == before
    # Without -o: no default-named file appears either.
    result = term("report", *args, ok=False)
    assert result.exit_code == EXIT_INPUT
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
