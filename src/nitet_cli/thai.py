"""Thai digits and Buddhist Era dates for documents and screens (via PyThaiNLP).

PyThaiNLP is imported on first use, so commands that only record never pay for it.
"""

from __future__ import annotations

from datetime import date, datetime



def thai_digits(value: object) -> str:
    """``12`` → ``๑๒``; any text keeps its letters and gets Thai digits."""
    from pythainlp.util import arabic_digit_to_thai_digit

    text = "" if value is None else str(value)
    return arabic_digit_to_thai_digit(text) if text else text


def _as_datetime(value: date | datetime | str) -> datetime:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day)


def thai_date(value: date | datetime | str | None, *, digits: bool = True) -> str:
    """``2026-11-24`` → ``๒๔ พฤศจิกายน ๒๕๖๙`` (Buddhist Era, full month)."""
    if value in (None, ""):
        return ""
    from pythainlp.util import thai_strftime

    return thai_strftime(_as_datetime(value), "%-d %B %Y", thaidigit=digits)


def thai_date_short(value: date | datetime | str | None, *, digits: bool = True) -> str:
    """``2026-11-24`` → ``๒๔ พ.ย. ๒๕๖๙`` (abbreviated month, for tables)."""
    if value in (None, ""):
        return ""
    from pythainlp.util import thai_strftime

    return thai_strftime(_as_datetime(value), "%-d %b %Y", thaidigit=digits)
