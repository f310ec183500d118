"""Thai digits and Buddhist Era dates (nitet_cli.thai) write exactly what PyThaiNLP wrote for
every day of 2026–2027, without PyThaiNLP: the expected strings were generated once into
tests/fixtures/thai_dates_2026_2027.json by tests/fixtures/make_thai_dates.py."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from nitet_cli.thai import be_date, be_date_short, thai_date, thai_date_short, thai_digits, to_arabic_digits

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "thai_dates_2026_2027.json").read_text(encoding="utf-8"))


def test_the_fixture_covers_every_day_of_2026_and_2027():
    days = [date.fromisoformat(iso) for iso in FIXTURE["dates"]]
    assert len(days) == 365 + 365 and days[0] == date(2026, 1, 1) and days[-1] == date(2027, 12, 31)
    assert len(set(days)) == len(days)
    assert {d.month for d in days} == set(range(1, 13))


def test_every_day_of_2026_and_2027_as_pythainlp_wrote_it():
    for iso, (long_thai, short_thai, long_arabic, short_arabic) in FIXTURE["dates"].items():
        day = date.fromisoformat(iso)
        for value in (iso, day, datetime(day.year, day.month, day.day, 23, 59), f"{iso}T10:00:00+07:00"):
            assert thai_date(value) == long_thai, value
            assert thai_date_short(value) == short_thai, value
            assert thai_date(value, digits=False) == be_date(value) == long_arabic, value
            assert thai_date_short(value, digits=False) == be_date_short(value) == short_arabic, value


def test_digits_both_ways_as_pythainlp_wrote_them():
    for text, (thai, arabic) in FIXTURE["digits"].items():
        assert thai_digits(text) == thai, text
        assert to_arabic_digits(text) == arabic, text


@pytest.mark.parametrize("empty", [None, ""])
def test_nothing_gives_an_empty_text(empty):
    assert thai_date(empty) == thai_date_short(empty) == be_date(empty) == be_date_short(empty) == ""
    assert thai_digits(empty) == ""


def test_any_value_gets_thai_digits():
    assert thai_digits(12) == "๑๒" and thai_digits(7.3) == "๗.๓" and thai_digits(0) == "๐"


def test_the_formatter_needs_nothing_beyond_the_standard_library():
    """Recording commands print dates through it, so it must stay light: using every function
    loads no third-party module (PyThaiNLP was one, about 67 MB installed)."""
    code = (
        "import sys; before = set(sys.modules); from nitet_cli import thai;"
        "thai.thai_date('2026-11-24'); thai.thai_date_short('2026-11-24', digits=False);"
        "thai.be_date('2026-11-24'); thai.be_date_short('2026-11-24'); thai.thai_digits(12); thai.to_arabic_digits('๑๒');"
        "loaded = {m.split('.')[0] for m in set(sys.modules) - before};"
        "print(json.dumps(sorted(loaded - set(sys.stdlib_module_names))))"
    )
    out = subprocess.run([sys.executable, "-c", "import json;" + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["nitet_cli"]
