"""Academic years (Buddhist Era) and terms.

ปีการศึกษา ๒๕๖๙ begins in May 2026. Defaults give every date a term: term 1 runs
16 May – 31 Oct, term 2 runs 1 Nov – 15 May of the next calendar year. The office
announces the real dates each year; ``set_term`` stores them and they win.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from typing import NamedTuple

from nitet_cli.db import transaction
from nitet_cli.errors import InputError
from nitet_cli.thai import BE_OFFSET, be_date


def _contains(self, day: date) -> bool:
    """``day`` is one of the days from ``start`` to ``end``, both included."""
    return self.start <= day <= self.end


def _days_left(self, today: date) -> int:
    if today > self.end:
        return 0
    return (self.end - max(today, self.start)).days + 1


# Term and Period are named tuples, not frozen dataclasses: terms.py is loaded on every start of
# ``nitet log``/``log-visit`` (a date is checked against the manual's year), and a frozen dataclass
# costs more than 1 ms of start-up each to create (issue 13's budget, ``bench/run.py startup``).
# What they share, the days from ``start`` to ``end``, is the two functions above.


class Term(NamedTuple):
    year: int  # Buddhist Era academic year, e.g. 2569
    term: int  # 1 or 2
    start: date
    end: date
    announced: bool = False  # True when the dates come from the office (stored), not the defaults

    contains = _contains
    days_left = _days_left

    def as_dict(self) -> dict:
        return {
            "year": self.year,
            "term": self.term,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "announced": self.announced,
        }


class Period(NamedTuple):
    """Days that are not a term, for ``nitet report --month`` and ``--from/--to``: a calendar
    month (``kind == "month"``) or any dates (``"range"``). Counted like a term (every figure is
    a sum over the days between ``start`` and ``end``); it has no academic year or term number."""

    start: date
    end: date
    kind: str = "range"
    year = None  # no academic year or term: the report is titled by its dates
    term = None
    announced = None

    contains = _contains
    days_left = _days_left

    def as_dict(self) -> dict:
        return {"period": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


def month_period(text: str, today: date | None = None) -> Period:
    """The calendar month ``text`` names (``11/2569``, ``พ.ย. 2569``, ``2026-11`` …)."""
    import calendar

    from nitet_cli.dates import parse_month

    year, month = parse_month(text, today)
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month")


def date_period(start: str | date, end: str | date | None, today: date) -> Period:
    """The days from ``start`` to ``end`` (both included; no ``end``: up to ``today``)."""
    from nitet_cli.dates import parse_date

    first = parse_date(start, today)
    last = parse_date(end, today) if end is not None else today
    if first > last:
        until = "--to" if end is not None else "วันนี้"
        raise InputError(
            f"วันเริ่ม --from ({first.isoformat()}) อยู่หลังวันสุดท้าย {until} ({last.isoformat()})"
            " — ให้ --from เป็นวันแรกและ --to เป็นวันสุดท้ายของช่วงที่จะรายงาน"
        )
    return Period(first, last, "range")


def check_year_term(year: int, term: int) -> None:
    if term not in (1, 2):
        raise InputError(f"ภาคเรียนต้องเป็น 1 หรือ 2 ไม่ใช่ {term}")
    if not 2400 < year < 2700:
        raise InputError(f"ปีการศึกษาต้องเป็นปีพุทธศักราช เช่น 2569 ไม่ใช่ {year}")


def default_term(year: int, term: int) -> Term:
    check_year_term(year, term)
    ce = year - BE_OFFSET
    if term == 1:
        return Term(year, 1, date(ce, 5, 16), date(ce, 10, 31))
    return Term(year, 2, date(ce, 11, 1), date(ce + 1, 5, 15))


def get_term(conn: sqlite3.Connection, year: int, term: int) -> Term:
    check_year_term(year, term)
    row = conn.execute("SELECT start_date, end_date FROM terms WHERE year = ? AND term = ?", (year, term)).fetchone()
    if row is None:
        return default_term(year, term)
    return Term(year, term, date.fromisoformat(row[0]), date.fromisoformat(row[1]), announced=True)


def _default_year_term(day: date) -> tuple[int, int]:
    if day < date(day.year, 5, 16):
        return day.year - 1 + BE_OFFSET, 2
    if day <= date(day.year, 10, 31):
        return day.year + BE_OFFSET, 1
    return day.year + BE_OFFSET, 2


def term_of(conn: sqlite3.Connection, day: date) -> Term | None:
    """The term ``day`` falls in: an announced term that contains it, else the default.

    Returns None when the day falls in a gap between announced terms (a school break).
    """
    row = conn.execute(
        "SELECT year, term, start_date, end_date FROM terms WHERE start_date <= ? AND end_date >= ?",
        (day.isoformat(), day.isoformat()),
    ).fetchone()
    if row is not None:
        return Term(row[0], row[1], date.fromisoformat(row[2]), date.fromisoformat(row[3]), announced=True)
    year, term = _default_year_term(day)
    candidate = get_term(conn, year, term)
    if candidate.contains(day):
        return candidate
    # The default term was overridden with dates that leave this day out: a break.
    return None


def check_term_dates(year: int, term: int, start: date, end: date) -> None:
    """The dates of term ``term``/``year`` as ``term set`` accepts them (and import, from a file)."""
    check_year_term(year, term)
    if start > end:
        raise InputError(f"วันเริ่มภาคเรียน ({be_date(start)}) ต้องไม่อยู่หลังวันสิ้นสุด ({be_date(end)})")
    ce = year - BE_OFFSET
    earliest, latest = date(ce, 1, 1), date(ce + 2, 12, 31)
    if not (earliest <= start and end <= latest):
        raise InputError(f"วันที่ของภาคเรียน {term}/{year} ต้องอยู่ในช่วงปีการศึกษานั้น ({be_date(earliest)} – {be_date(latest)})")
    if end - start > timedelta(days=366):
        raise InputError("ภาคเรียนหนึ่งยาวเกิน ๑ ปีไม่ได้ — ตรวจวันเริ่มและวันสิ้นสุด")


class TermKey(NamedTuple):
    year: int
    term: int


def clashing_term(conn: sqlite3.Connection, year: int, term: int, start: date, end: date) -> TermKey | None:
    """Another stored term whose dates overlap these, or None."""
    row = conn.execute(
        "SELECT year, term FROM terms WHERE NOT (year = ? AND term = ?) AND start_date <= ? AND end_date >= ?",
        (year, term, end.isoformat(), start.isoformat()),
    ).fetchone()
    return TermKey(row[0], row[1]) if row else None


def set_term(conn: sqlite3.Connection, year: int, term: int, start: date, end: date) -> Term:
    check_term_dates(year, term, start, end)
    with transaction(conn):
        clash = clashing_term(conn, year, term, start, end)
        if clash is not None:
            raise InputError(f"ช่วงวันที่ทับกับภาคเรียน {clash.term}/{clash.year} ที่กำหนดไว้แล้ว — ตรวจวันที่ หรือแก้ภาคเรียนนั้นก่อน")
        conn.execute(
            "INSERT INTO terms (year, term, start_date, end_date) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(year, term) DO UPDATE SET start_date = excluded.start_date, end_date = excluded.end_date",
            (year, term, start.isoformat(), end.isoformat()),
        )
    return Term(year, term, start, end, announced=True)


def current_term(conn: sqlite3.Connection, today: date) -> Term:
    """The term of ``today``, or in a break the term that ended last."""
    term = term_of(conn, today)
    if term is not None:
        return term
    year, number = _default_year_term(today)
    candidates = [get_term(conn, year, number)]
    candidates.append(get_term(conn, year, 1) if number == 2 else get_term(conn, year - 1, 2))
    past = [t for t in candidates if t.end < today]
    return max(past, key=lambda t: t.end) if past else candidates[0]
