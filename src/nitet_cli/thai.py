"""Thai digits and Buddhist Era dates, the one place nitet writes them.

Documents use Thai digits (``๒๔ พฤศจิกายน ๒๕๖๙``, ``๒๔ พ.ย. ๒๕๖๙``); the terminal and
spreadsheets use Arabic ones (``24 พฤศจิกายน 2569``). The output is the same as PyThaiNLP's
``thai_strftime(d, "%-d %B %Y")`` / ``"%-d %b %Y"`` (a test compares every day of 2026–2027
against strings PyThaiNLP wrote once, ``tests/fixtures/thai_dates_2026_2027.json``).

Standard library only: recording commands use it and must start fast.
"""

from __future__ import annotations

from datetime import date

BE_OFFSET = 543  # Buddhist Era year = CE year + 543

MONTHS_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
MONTHS_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip

_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
_TO_ARABIC = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def thai_digits(value: object) -> str:
    """``12`` → ``๑๒``; any text keeps its letters and gets Thai digits (``None`` → ``""``)."""
    return "" if value is None else str(value).translate(_TO_THAI)


def to_arabic_digits(value: str) -> str:
    """Thai digits typed by a user (๑๕/๖/๒๕๖๙) read as Arabic ones."""
    return value.translate(_TO_ARABIC)


def _format(value: date | str | None, months: tuple[str, ...], digits: bool) -> str:
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    text = f"{day.day} {months[day.month - 1]} {str(day.year + BE_OFFSET).zfill(4)}"
    return text.translate(_TO_THAI) if digits else text


def thai_date(value: date | str | None, *, digits: bool = True) -> str:
    """``2026-11-24`` → ``๒๔ พฤศจิกายน ๒๕๖๙`` (full month); ``digits=False``: ``24 พฤศจิกายน 2569``.

    Takes a date, a datetime or an ISO text (its first ten characters); ``None`` or ``""`` → ``""``.
    """
    return _format(value, MONTHS_FULL, digits)


def thai_date_short(value: date | str | None, *, digits: bool = True) -> str:
    """``2026-11-24`` → ``๒๔ พ.ย. ๒๕๖๙`` (abbreviated month, for tables); ``digits=False``: ``24 พ.ย. 2569``."""
    return _format(value, MONTHS_ABBR, digits)


def be_date(value: date | str | None) -> str:
    """``2026-06-15`` → ``15 มิถุนายน 2569``: Arabic digits, for the terminal."""
    return _format(value, MONTHS_FULL, False)


def be_date_short(value: date | str | None) -> str:
    """``2026-06-15`` → ``15 มิ.ย. 2569``: Arabic digits, for terminal tables and spreadsheets."""
    return _format(value, MONTHS_ABBR, False)
