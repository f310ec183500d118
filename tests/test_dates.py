"""Reading typed dates: ISO, day/month/year in Buddhist or Christian Era, Thai digits and
month names, today/yesterday; impossible dates refused with one clear sentence."""

from __future__ import annotations

from datetime import date

import pytest

from nitet_cli.dates import parse_date
from nitet_cli.errors import InputError
from nitet_cli.thai import be_date, be_date_short

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-06-15", date(2026, 6, 15)),
        ("2569-06-15", date(2026, 6, 15)),  # ISO shape with a BE year
        ("15/6/2569", date(2026, 6, 15)),
        ("15/06/2569", date(2026, 6, 15)),
        ("15/06/2026", date(2026, 6, 15)),
        ("15/6/2026", date(2026, 6, 15)),
        ("15-6-2569", date(2026, 6, 15)),
        ("15.6.2569", date(2026, 6, 15)),
        ("๑๕/๖/๒๕๖๙", date(2026, 6, 15)),  # Thai digits
        ("๒๐๒๖-๐๖-๑๕", date(2026, 6, 15)),
        ("15 มิ.ย. 2569", date(2026, 6, 15)),
        ("15 มิถุนายน 2569", date(2026, 6, 15)),
        ("๑๕ มิถุนายน ๒๕๖๙", date(2026, 6, 15)),
        ("1 ม.ค. 2570", date(2027, 1, 1)),
        ("29/2/2567", date(2024, 2, 29)),  # 2024 is a leap year
        ("1/1/2443", date(1900, 1, 1)),  # above 2400 → BE
        ("  2026-06-15  ", date(2026, 6, 15)),
    ],
)
def test_parses(text, expected):
    assert parse_date(text, TODAY) == expected


def test_year_above_2400_is_buddhist_era():
    # 2401 BE is 1858 CE: outside what nitet accepts, refused (not silently read as CE 2401)
    with pytest.raises(InputError):
        parse_date("1/1/2401", TODAY)
    assert parse_date("16/5/2569", TODAY).year == 2026
    assert parse_date("16/5/2026", TODAY).year == 2026


@pytest.mark.parametrize("text", ["today", "TODAY", "วันนี้"])
def test_today(text):
    assert parse_date(text, TODAY) == TODAY


@pytest.mark.parametrize("text", ["yesterday", "เมื่อวาน", "เมื่อวานนี้"])
def test_yesterday(text):
    assert parse_date(text, TODAY) == date(2026, 11, 23)


def test_today_comes_from_the_clock(monkeypatch):
    monkeypatch.setenv("NITET_TODAY", "2027-01-01")
    assert parse_date("yesterday") == date(2026, 12, 31)


def test_date_object_passes_through():
    assert parse_date(date(2026, 1, 2)) == date(2026, 1, 2)


@pytest.mark.parametrize(
    "text, words",
    [
        ("31/2/2569", ["ไม่มีจริง", "กุมภาพันธ์", "28 วัน"]),
        ("29/2/2569", ["ไม่มีจริง", "28 วัน"]),  # 2026 is not a leap year
        ("31/4/2026", ["ไม่มีจริง", "เมษายน", "30 วัน"]),
        ("0/5/2569", ["ไม่มีจริง"]),
        ("15/13/2569", ["เดือนต้องอยู่ระหว่าง 1 ถึง 12"]),
        ("2026-02-30", ["ไม่มีจริง"]),
        ("15/6/69", ["๔ หลัก"]),
        ("15 มิถุน 2569", ["ไม่รู้จักเดือน"]),
        ("next week", ["อ่านวันที่"]),
        ("", ["ไม่ได้ระบุวันที่"]),
        ("15/6/1500", ["ปี"]),
        ("31/12/2400", ["ปี"]),  # 2400 is not above the threshold: read as CE 2400, out of range
    ],
)
def test_refuses_with_a_clear_sentence(text, words):
    with pytest.raises(InputError) as caught:
        parse_date(text, TODAY)
    message = caught.value.message
    for word in words:
        assert word in message, message
    assert "\n" not in message


def test_be_formatting_is_light():
    assert be_date("2026-06-15") == "15 มิถุนายน 2569"
    assert be_date_short(date(2026, 11, 24)) == "24 พ.ย. 2569"
    assert be_date(None) == "" and be_date_short("") == ""
