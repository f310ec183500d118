"""Reading the dates people type (writing them in Buddhist Era is :mod:`nitet_cli.thai`).

Accepted: ``2026-06-15``, ``15/6/2569``, ``15/06/2026``, ``15-6-2569``, ``15.6.2569``,
``15 มิ.ย. 2569``, ``15 มิถุนายน 2569``, Thai digits (``๑๕/๖/๒๕๖๙``), ``today``/``วันนี้``,
``yesterday``/``เมื่อวาน``. A four-digit year above 2400 is Buddhist Era (CE + 543).

Pure functions, no database and no heavy imports: recording commands use them. The patterns are
compiled when first used (re keeps them), not on import: a recording command reads one date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from nitet_cli.errors import InputError
from nitet_cli.text import clean_text
from nitet_cli.thai import BE_OFFSET, MONTHS_ABBR, MONTHS_FULL, to_arabic_digits

BE_THRESHOLD = 2400  # a year above this is Buddhist Era
FIRST_YEAR_CE, LAST_YEAR_CE = 1900, 2200  # the years nitet accepts anywhere (typed, imported, merged)

_TODAY_WORDS = {"today", "วันนี้", "now"}
_YESTERDAY_WORDS = {"yesterday", "เมื่อวาน", "เมื่อวานนี้"}
_ISO = r"^(\d{4})-(\d{1,2})-(\d{1,2})$"
_DMY = r"^(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{2,4})$"
_D_MONTH_Y = r"^(\d{1,2})\s*([^\d\s].*?)\s*(\d{2,4})$"

EXAMPLES = "เช่น 2026-06-15, 15/6/2569, 15/06/2026, today หรือ yesterday"

_THIS_MONTH_WORDS = {"this month", "เดือนนี้"}
_MONTH_YEAR = r"^(\d{1,2})\s*[/.\-]\s*(\d{2,4})$"
_YEAR_MONTH = r"^(\d{4})-(\d{1,2})$"
_MONTHNAME_YEAR = r"^([^\d\s].*?)\s*(\d{2,4})$"
MONTH_EXAMPLES = "เช่น 11/2569, 11/2026, 2026-11, พ.ย. 2569 หรือ พฤศจิกายน 2569"


def _month_lookup() -> dict[str, int]:
    table: dict[str, int] = {}
    for number, (full, abbr) in enumerate(zip(MONTHS_FULL, MONTHS_ABBR), start=1):
        table[full] = number
        table[abbr] = number
        table[abbr.replace(".", "")] = number
    return table


_MONTHS = _month_lookup()


def _year_ce(year_text: str, original: str, examples: str = EXAMPLES) -> int:
    if len(year_text) != 4:
        raise InputError(f"ปีใน '{original}' ต้องเขียนเต็ม ๔ หลัก (เช่น 2569 หรือ 2026) ไม่ใช่ '{year_text}' — {examples}")
    year = int(year_text)
    if year > BE_THRESHOLD:
        year -= BE_OFFSET
    if not FIRST_YEAR_CE <= year <= LAST_YEAR_CE:
        raise InputError(f"ปีใน '{original}' ไม่ถูกต้อง — ใช้ปีพุทธศักราช (เช่น 2569) หรือคริสต์ศักราช (เช่น 2026)")
    return year


def _make(year: int, month: int, day: int, original: str) -> date:
    if not 1 <= month <= 12:
        raise InputError(f"วันที่ '{original}' ไม่มีจริง: เดือนต้องอยู่ระหว่าง 1 ถึง 12 ไม่ใช่ {month} — {EXAMPLES}")
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day  # the month's last day
    if not 1 <= day <= last:
        raise InputError(
            f"วันที่ '{original}' ไม่มีจริง: เดือน{MONTHS_FULL[month - 1]} {year + BE_OFFSET} มี {last} วัน — ตรวจวันที่อีกครั้ง"
        )
    return date(year, month, day)


def parse_date(text: str | date | None, today: date | None = None) -> date:
    """The date that ``text`` means; InputError (one Thai sentence) when it means none."""
    if isinstance(text, date):
        return text
    original = clean_text(text or "", multiline=False) or ""
    if not original:
        raise InputError(f"ไม่ได้ระบุวันที่ — {EXAMPLES}")
    value = to_arabic_digits(original).strip().lower()
    if value in _TODAY_WORDS or value in _YESTERDAY_WORDS:
        if today is None:
            from nitet_cli.clock import today as clock_today

            today = clock_today()
        return today if value in _TODAY_WORDS else today - timedelta(days=1)
    match = re.match(_ISO, value)
    if match:
        year, month, day = match.groups()
        return _make(_year_ce(year, original), int(month), int(day), original)
    match = re.match(_DMY, value)
    if match:
        day, _, month, year = match.groups()
        return _make(_year_ce(year, original), int(month), int(day), original)
    match = re.match(_D_MONTH_Y, value)
    if match:
        day, month_text, year = match.groups()
        month_text = month_text.strip()
        month = _MONTHS.get(month_text) or _MONTHS.get(month_text.replace(" ", ""))
        if month is None:
            raise InputError(f"ไม่รู้จักเดือน '{month_text}' ใน '{original}' — ใช้ชื่อเดือนไทย เช่น มิ.ย. หรือ มิถุนายน")
        return _make(_year_ce(year, original), month, int(day), original)
    raise InputError(f"อ่านวันที่ '{original}' ไม่ได้ — {EXAMPLES}")


def parse_month(text: str, today: date | None = None) -> tuple[int, int]:
    """The (CE year, month) that ``text`` names: the forms of :func:`parse_date` without the day
    (``11/2569``, ``11-2026``, ``2026-11``, ``พ.ย. 2569``, ``พฤศจิกายน 2569``, Thai digits), or
    ``this month``/``เดือนนี้``. InputError (one Thai sentence) when it names none."""
    original = clean_text(text or "", multiline=False) or ""
    if not original:
        raise InputError(f"ไม่ได้ระบุเดือน — {MONTH_EXAMPLES}")
    value = to_arabic_digits(original).strip().lower()
    if value in _THIS_MONTH_WORDS:
        if today is None:
            from nitet_cli.clock import today as clock_today

            today = clock_today()
        return today.year, today.month
    match = re.match(_MONTH_YEAR, value)
    if match:
        month, year = int(match.group(1)), match.group(2)
    elif re.match(_YEAR_MONTH, value):
        year, month_text = re.match(_YEAR_MONTH, value).groups()
        month = int(month_text)
    elif re.match(_MONTHNAME_YEAR, value):
        month_text, year = re.match(_MONTHNAME_YEAR, value).groups()
        month_text = month_text.strip()
        month = _MONTHS.get(month_text) or _MONTHS.get(month_text.replace(" ", ""))
        if month is None:
            raise InputError(f"ไม่รู้จักเดือน '{month_text}' ใน '{original}' — ใช้ชื่อเดือนไทย เช่น พ.ย. หรือ พฤศจิกายน")
    else:
        raise InputError(f"อ่านเดือน '{original}' ไม่ได้ — ระบุเดือนและปี {MONTH_EXAMPLES}")
    if not 1 <= month <= 12:
        raise InputError(f"เดือนใน '{original}' ต้องอยู่ระหว่าง 1 ถึง 12 ไม่ใช่ {month} — {MONTH_EXAMPLES}")
    return _year_ce(year, original, MONTH_EXAMPLES), month
