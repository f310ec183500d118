"""Terms: defaults (term 1: 16 May – 31 Oct; term 2: 1 Nov – 15 May), announced dates,
and `nitet term set|show` through the CLI."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.mark.parametrize(
    "day, year, term",
    [
        ("2026-05-15", 2568, 2),  # last day of term 2 of ปีการศึกษา ๒๕๖๘
        ("2026-05-16", 2569, 1),  # first day of term 1 of ๒๕๖๙
        ("2026-10-31", 2569, 1),  # last day of term 1
        ("2026-11-01", 2569, 2),  # first day of term 2
        ("2027-01-01", 2569, 2),  # term 2 runs over the new calendar year
        ("2027-05-15", 2569, 2),
        ("2027-05-16", 2570, 1),
    ],
)
def test_default_boundaries(initialised, day, year, term):
    data = initialised.json("term", "show", day)
    assert (data["year"], data["term"], data["in_term"], data["announced"]) == (year, term, True, False)


@pytest.mark.parametrize(
    "typed, iso",
    [
        ("15/5/2569", "2026-05-15"),
        ("16/5/2569", "2026-05-16"),
        ("31/10/2026", "2026-10-31"),
        ("๑/๑๑/๒๕๖๙", "2026-11-01"),
    ],
)
def test_show_accepts_be_dates(initialised, typed, iso):
    assert initialised.json("term", "show", typed)["date"] == iso


def test_show_defaults_to_today(initialised):
    data = initialised.json("term", "show")  # NITET_TODAY=2026-11-24
    assert (data["date"], data["year"], data["term"]) == ("2026-11-24", 2569, 2)
    assert data["start"] == "2026-11-01" and data["end"] == "2027-05-15"
    out = initialised("term", "show").stdout
    assert "ภาคเรียนที่ 2/2569" in out and "24 พฤศจิกายน 2569" in out and "ค่าเริ่มต้น" in out


def test_library_defaults():
    from nitet_cli.terms import default_term

    t1, t2 = default_term(2569, 1), default_term(2569, 2)
    assert (t1.start, t1.end) == (date(2026, 5, 16), date(2026, 10, 31))
    assert (t2.start, t2.end) == (date(2026, 11, 1), date(2027, 5, 15))


def test_set_overrides_and_leaves_a_break(initialised):
    nitet = initialised
    data = nitet.json("term", "set", "2569", "1", "--start", "16/5/2569", "--end", "10/10/2569")
    assert data == {"year": 2569, "term": 1, "start": "2026-05-16", "end": "2026-10-10", "announced": True}
    assert nitet.query("SELECT * FROM terms") == [(2569, 1, "2026-05-16", "2026-10-10")]
    inside = nitet.json("term", "show", "10/10/2569")
    assert (inside["term"], inside["announced"]) == (1, True)
    gap = nitet.json("term", "show", "2026-10-20")
    assert gap["in_term"] is False and gap["last_term"]["end"] == "2026-10-10"
    assert "ปิดภาคเรียน" in nitet("term", "show", "2026-10-20").stdout
    # setting it again replaces the dates (one row per year and term)
    nitet("term", "set", "๒๕๖๙", "1", "--start", "2026-05-14", "--end", "2026-10-09")
    assert nitet.query("SELECT * FROM terms") == [(2569, 1, "2026-05-14", "2026-10-09")]
    assert "ตามที่กำหนด" in nitet("term", "show", "2026-05-14").stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (["2569", "3", "--start", "2026-05-16", "--end", "2026-10-31"], "ภาคเรียนต้องเป็น 1 หรือ 2"),
        (["2026", "1", "--start", "2026-05-16", "--end", "2026-10-31"], "ปีพุทธศักราช"),
        (["ปีนี้", "1", "--start", "2026-05-16", "--end", "2026-10-31"], "ปีพุทธศักราช"),
        (["2569", "1", "--start", "31/10/2569", "--end", "16/5/2569"], "ต้องไม่อยู่หลังวันสิ้นสุด"),
        (["2569", "1", "--start", "31/2/2569", "--end", "16/5/2569"], "ไม่มีจริง"),
        (["2569", "1", "--start", "2020-05-16", "--end", "2020-10-31"], "ต้องอยู่ในช่วงปีการศึกษา"),
    ],
)
def test_set_bad_input_refused(initialised, args, words):
    before = initialised.snapshot()
    result = initialised("term", "set", *args, ok=False)
    assert result.exit_code == 2
    assert words in result.stderr, result.stderr
    assert initialised.snapshot() == before


def test_set_overlap_refused(initialised):
    nitet = initialised
    nitet("term", "set", "2569", "1", "--start", "2026-05-16", "--end", "2026-10-31")
    before = nitet.snapshot()
    result = nitet("term", "set", "2569", "2", "--start", "2026-10-15", "--end", "2027-03-31", ok=False)
    assert result.exit_code == 2 and "ทับกับภาคเรียน 1/2569" in result.stderr
    assert nitet.snapshot() == before


def test_show_bad_date(initialised):
    result = initialised("term", "show", "31/2/2569", ok=False)
    assert result.exit_code == 2 and "ไม่มีจริง" in result.stderr
