"""Follow-ups (ข้อเสนอแนะที่ต้องติดตาม): a suggestion given at a visit to a school, to be
checked at a later visit (นิเทศ ติดตาม) and closed with its result.

A visit's ``--follow-up`` gives one item per suggestion and per school of the visit (a
visit to two schools with one suggestion gives two items, each closed on its own, since
each school does or does not do it). An item is due on its ``check_by`` date, or, without
one, at the next entry that names its school (any entry dated after the visit; until then
it has no due date). It is *overdue* when it is still open after the day it was due.

Everything here is plain data for the commands and documents that use it: ``log-visit``
(create, close in the same transaction), ``follow-up list|close``, ``school show``, and
the term's to-do list and report (open, overdue, due within N days, per school, per term).
Light imports only: recording commands use this module.
"""

from __future__ import annotations

import sqlite3
import uuid
from datetime import date, timedelta
from typing import NamedTuple

from nitet_cli.clock import now_iso
from nitet_cli.db import transaction
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.text import clean_text

OPEN, DONE, PARTLY, NOT_DONE = "open", "done", "partly", "not_done"
STATUS_LABELS = {
    OPEN: "รอติดตาม",
    DONE: "ดำเนินการแล้ว",
    PARTLY: "ดำเนินการบางส่วน",
    NOT_DONE: "ยังไม่ได้ดำเนินการ",
}
CLOSING = (DONE, PARTLY, NOT_DONE)
OVERDUE_LABEL = "เลยกำหนด"
NEXT_VISIT_LABEL = "นิเทศครั้งถัดไป"

#: Which items a listing shows.
WHICH = ("open", "overdue", "due_within", "closed", "all")

_STATUS_WORDS = {"done": DONE, "partly": PARTLY, "not-done": NOT_DONE, "not_done": NOT_DONE}


def parse_status(text: str) -> str:
    """``done``, ``partly`` or ``not-done`` (as typed on the command line) -> the stored status."""
    value = (clean_text(text or "", multiline=False) or "").lower()
    if value not in _STATUS_WORDS:
        raise InputError(
            f"สถานะ '{value}' ไม่มี — เลือก done (ดำเนินการแล้ว), partly (บางส่วน) หรือ not-done (ยังไม่ได้ดำเนินการ)"
        )
    return _STATUS_WORDS[value]


def check_texts(texts: list[str]) -> list[str]:
    """The suggestions to follow up, cleaned; an empty one is refused; repeats kept once."""
    result: list[str] = []
    for raw in texts:
        text = clean_text(raw) or ""
        if not text:
            raise InputError('ข้อเสนอแนะที่ต้องติดตามว่าง — ใส่ข้อความหลัง --follow-up เช่น --follow-up "จัดมุมรักการอ่าน"')
        if text not in result:
            result.append(text)
    return result


def check_check_by(check_by: date | None, given_on: date) -> None:
    from nitet_cli.thai import be_date

    if check_by is not None and check_by < given_on:
        raise InputError(
            f"วันที่ติดตาม (--check-by) {be_date(check_by)} อยู่ก่อนวันที่นิเทศ {be_date(given_on)}"
            " — ใส่วันเดียวกับหรือหลังวันที่นิเทศ หรือไม่ใส่เพื่อติดตามในการนิเทศครั้งถัดไป"
        )


class Closure(NamedTuple):  # not a dataclass: see activity_rows.py (made on every start of log-visit)
    """Close item ``id`` with ``result`` (and ``status``, done unless said)."""

    id: int
    result: str = ""
    status: str = DONE


def _row(conn: sqlite3.Connection, follow_up_id: int):
    row = conn.execute("SELECT * FROM follow_ups WHERE id = ?", (follow_up_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"ไม่มีข้อเสนอแนะที่ต้องติดตามหมายเลข {follow_up_id} — ดูหมายเลขด้วย 'nitet follow-up list'")
    return row


def _check_closable(row, on: date) -> None:
    from nitet_cli.thai import be_date

    if row["status"] != OPEN:
        raise InputError(
            f"ข้อเสนอแนะที่ {row['id']} ปิดไปแล้วเมื่อ {be_date(row['closed_on'])} ({STATUS_LABELS[row['status']]})"
            " — ดูด้วย 'nitet follow-up list --all'"
        )
    if on.isoformat() < row["given_on"]:
        raise InputError(
            f"ข้อเสนอแนะที่ {row['id']} ให้ไว้เมื่อ {be_date(row['given_on'])} ปิดก่อนวันนั้น ({be_date(on)}) ไม่ได้"
            " — ใช้วันที่ติดตามที่ไม่ก่อนวันที่ให้ข้อเสนอแนะ"
        )


def check_closures(conn: sqlite3.Connection, closures: list[Closure], *, schools: list[str], on: date) -> list[Closure]:
    """Closures a visit on ``on`` to ``schools`` may make: each item exists (else exit 3), is
    still open, belongs to one of these schools and was given no later than ``on``."""
    seen: set[int] = set()
    result = []
    for closure in closures:
        if closure.id in seen:
            raise InputError(f"ข้อเสนอแนะที่ {closure.id} ถูกระบุให้ปิดซ้ำ — ระบุ --close-follow-up แต่ละหมายเลขครั้งเดียว")
        seen.add(closure.id)
        row = _row(conn, closure.id)
        if row["school_code"] not in schools:
            name = conn.execute("SELECT name FROM schools WHERE code = ?", (row["school_code"],)).fetchone()
            raise InputError(
                f"ข้อเสนอแนะที่ {closure.id} เป็นของ{name[0] if name else row['school_code']} ({row['school_code']})"
                " ไม่ใช่โรงเรียนของการนิเทศนี้ — ปิดในการนิเทศโรงเรียนนั้น หรือด้วย 'nitet follow-up close'"
            )
        _check_closable(row, on)
        if closure.status not in CLOSING:
            raise InputError(f"สถานะปิด '{closure.status}' ไม่มี — เลือก done, partly หรือ not-done")
        result.append(Closure(closure.id, clean_text(closure.result) or "", closure.status))
    return result


def insert_follow_ups(
    conn: sqlite3.Connection,
    activity_id: int,
    schools: list[str],
    texts: list[str],
    given_on: date,
    check_by: date | None,
) -> list[int]:
    """One item per text and school, inside the caller's transaction; their ids."""
    now = now_iso()
    ids = []
    for text in texts:
        for code in schools:
            cur = conn.execute(
                "INSERT INTO follow_ups (uuid, activity_id, school_code, text, given_on, check_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(uuid.uuid4()),
                    activity_id,
                    code,
                    text,
                    given_on.isoformat(),
                    check_by.isoformat() if check_by else None,
                    now,
                    now,
                ),
            )
            ids.append(cur.lastrowid)
    return ids


def apply_closures(conn: sqlite3.Connection, closures: list[Closure], on: date) -> None:
    """Close checked items inside the caller's transaction; an item closed meanwhile by
    another run is refused (the whole transaction with it)."""
    now = now_iso()
    for closure in closures:
        cur = conn.execute(
            "UPDATE follow_ups SET status = ?, result = ?, closed_on = ?, updated_at = ? WHERE id = ? AND status = 'open'",
            (closure.status, closure.result, on.isoformat(), now, closure.id),
        )
        if cur.rowcount != 1:
            _check_closable(_row(conn, closure.id), on)  # says why (closed meanwhile, or gone)
            raise InputError(f"ปิดข้อเสนอแนะที่ {closure.id} ไม่ได้ — ลองอีกครั้ง")


def close_follow_up(
    conn: sqlite3.Connection,
    follow_up_id: int,
    *,
    result: str,
    status: str = DONE,
    on: date | None = None,
    today: date | None = None,
) -> dict:
    """``follow-up close``: one item, in one transaction; returns it as :func:`get_follow_up` does."""
    from nitet_cli.clock import today as clock_today
    from nitet_cli.thai import be_date

    today = today or clock_today()
    on = on or today
    if on > today:
        raise InputError(f"วันที่ปิด {be_date(on)} อยู่ในอนาคต (วันนี้ {be_date(today)}) — ใช้วันที่ติดตามจริง")
    if status not in CLOSING:
        raise InputError(f"สถานะปิด '{status}' ไม่มี — เลือก done, partly หรือ not-done")
    text = clean_text(result) or ""
    if not text:
        raise InputError('ผลการติดตามว่าง — ใส่ --result เช่น --result "โรงเรียนจัดมุมรักการอ่านแล้ว"')
    closure = Closure(follow_up_id, text, status)
    with transaction(conn):
        _check_closable(_row(conn, follow_up_id), on)
        apply_closures(conn, [closure], on)
    return get_follow_up(conn, follow_up_id, today=today)


# --- a visit's date or schools change (nitet edit) ---------------------------------------------------


def check_visit_change(
    conn: sqlite3.Connection, activity_id: int, *, new_date: date, old_schools: list[str], new_schools: list[str]
) -> dict[str, str]:
    """What an edit of a visit does to its follow-ups: their given-on date follows the visit's
    date (refused when that would put it after a check-by or closing date), and a school
    replaced by another — the visit had one school and now has one other — takes its items
    along (a typing mistake corrected). An edit that drops a school with items otherwise is
    refused. Returns the school moves {old code: new code}."""
    from nitet_cli.thai import be_date

    rows = conn.execute("SELECT * FROM follow_ups WHERE activity_id = ? ORDER BY id", (activity_id,)).fetchall()
    if not rows:
        return {}
    day = new_date.isoformat()
    for r in rows:
        if r["check_by"] is not None and r["check_by"] < day:
            raise InputError(
                f"ข้อเสนอแนะที่ {r['id']} ของรายการนี้ต้องติดตามภายใน {be_date(r['check_by'])} ซึ่งอยู่ก่อนวันที่ใหม่"
                f" {be_date(new_date)} — ตรวจวันที่อีกครั้ง"
            )
        if r["closed_on"] is not None and r["closed_on"] < day:
            raise InputError(
                f"ข้อเสนอแนะที่ {r['id']} ของรายการนี้ปิดไปแล้วเมื่อ {be_date(r['closed_on'])} ซึ่งอยู่ก่อนวันที่ใหม่"
                f" {be_date(new_date)} — ตรวจวันที่อีกครั้ง"
            )
    dropped = sorted({r["school_code"] for r in rows} - set(new_schools))
    if not dropped:
        return {}
    if len(old_schools) == 1 and len(new_schools) == 1:
        return {old_schools[0]: new_schools[0]}
    ids = ", ".join(str(r["id"]) for r in rows if r["school_code"] in dropped)
    raise InputError(
        f"รายการนี้มีข้อเสนอแนะที่ต้องติดตาม ({ids}) ของโรงเรียน {', '.join(dropped)} ที่จะถูกเอาออก"
        " — คงโรงเรียนนั้นไว้ในรายการ หรือแก้ให้เหลือโรงเรียนเดียวแทนโรงเรียนเดียวเดิม"
    )


def apply_visit_change(conn: sqlite3.Connection, activity_id: int, new_date: date, moves: dict[str, str]) -> None:
    """Inside the caller's transaction (after :func:`check_visit_change`)."""
    now = now_iso()
    conn.execute(
        "UPDATE follow_ups SET given_on = ?, updated_at = ? WHERE activity_id = ? AND given_on <> ?",
        (new_date.isoformat(), now, activity_id, new_date.isoformat()),
    )
    for old, new in moves.items():
        conn.execute(
            "UPDATE follow_ups SET school_code = ?, updated_at = ? WHERE activity_id = ? AND school_code = ?",
            (new, now, activity_id, old),
        )


# --- reading ----------------------------------------------------------------------------------------

# The day an item is due: its check-by date, or the first entry naming its school after
# the day it was given (none yet: no due date). The entries naming a school are read from
# the every-visit rows of progress_visits (standard '', m009: one a school, day and
# supervisor, kept equal to activity_schools by triggers in every write's transaction), so
# each item costs one key look-up instead of one per entry at its school.
_DUE_ON = """CASE WHEN f.check_by IS NOT NULL THEN f.check_by ELSE (
    SELECT min(v.date) FROM progress_visits v
    WHERE v.standard = '' AND v.school = f.school_code AND v.date > f.given_on AND v.visits > 0) END"""

# MATERIALIZED: each item's due day is worked out once, not again for the filter and the order
# (SQLite would otherwise put the CTE inline and run the correlated look-up three times).
_SELECT = f"""
    WITH items AS MATERIALIZED (
        SELECT f.*, {_DUE_ON} AS due_on FROM follow_ups f {{where}}
    )
    SELECT i.*, s.name AS school_name, s.school_group, a.title AS visit_title, sv.name AS supervisor
    FROM items i
    JOIN schools s ON s.code = i.school_code
    JOIN activities a ON a.id = i.activity_id
    LEFT JOIN supervisors sv ON sv.id = a.supervisor_id
    {{having}}
    ORDER BY {{order}}
"""
_BY_DUE = "i.status <> 'open', i.due_on IS NULL, i.due_on, i.given_on, i.id"
_BY_GIVEN = "i.given_on, i.id"

_FIELDS = (
    "id", "uuid", "activity_id", "school_code", "school_name", "school_group", "text", "given_on", "check_by",
    "due_on", "status", "result", "closed_on", "visit_title", "supervisor",
)  # fmt: skip


def _as_dict(row, today: date) -> dict:
    item = {k: row[k] for k in _FIELDS}
    item["status_label"] = STATUS_LABELS[row["status"]]
    item["due_at_next_visit"] = row["check_by"] is None
    item["overdue"] = row["status"] == OPEN and row["due_on"] is not None and row["due_on"] < today.isoformat()
    return item


def list_follow_ups(
    conn: sqlite3.Connection,
    *,
    which: str = "open",
    today: date | None = None,
    school: str | None = None,
    start: date | None = None,
    end: date | None = None,
    within_days: int = 14,
    activity_id: int | None = None,
) -> list[dict]:
    """Follow-ups as plain data, most urgent first (by given-on date for ``all`` and ``closed``).

    ``which``: ``open``; ``overdue`` (open, due before ``today``); ``due_within`` (open, due
    from ``today`` to ``within_days`` days later); ``closed``; ``all``. ``school`` (a code,
    already resolved), ``start``/``end`` (the given-on dates, inclusive: a term) and
    ``activity_id`` narrow it. Each item: id, uuid, activity_id, school_code, school_name,
    school_group, text, given_on, check_by (None: at the next visit), due_on (None: no later
    entry at the school yet), status, status_label, result, closed_on, visit_title,
    supervisor, due_at_next_visit, overdue.
    """
    from nitet_cli.clock import today as clock_today

    if which not in WHICH:
        raise InputError(f"ตัวเลือก '{which}' ไม่มี — เลือก: {', '.join(WHICH)}")
    today = today or clock_today()
    clauses, params = [], {"today": today.isoformat()}
    if school is not None:
        clauses.append("f.school_code = :school")
        params["school"] = school
    if start is not None:
        clauses.append("f.given_on >= :start")
        params["start"] = start.isoformat()
    if end is not None:
        clauses.append("f.given_on <= :end")
        params["end"] = end.isoformat()
    if activity_id is not None:
        clauses.append("f.activity_id = :activity")
        params["activity"] = activity_id
    if which in ("open", "overdue", "due_within"):
        clauses.append("f.status = 'open'")
    elif which == "closed":
        clauses.append("f.status <> 'open'")
    having = ""
    if which == "overdue":
        having = "WHERE i.due_on < :today"
    elif which == "due_within":
        if within_days < 0:
            raise InputError(f"จำนวนวันต้องไม่ติดลบ ไม่ใช่ {within_days}")
        having = "WHERE i.due_on BETWEEN :today AND :until"
        params["until"] = (today + timedelta(days=within_days)).isoformat()
    sql = _SELECT.format(
        where=f"WHERE {' AND '.join(clauses)}" if clauses else "",
        having=having,
        order=_BY_GIVEN if which in ("all", "closed") else _BY_DUE,
    )
    return [_as_dict(r, today) for r in conn.execute(sql, params)]


def get_follow_up(conn: sqlite3.Connection, follow_up_id: int, *, today: date | None = None) -> dict:
    from nitet_cli.clock import today as clock_today

    _row(conn, follow_up_id)
    sql = _SELECT.format(where="WHERE f.id = :id", having="", order="i.id")
    row = conn.execute(sql, {"id": follow_up_id}).fetchone()
    return _as_dict(row, today or clock_today())


def open_at_schools(
    conn: sqlite3.Connection, schools: list[str], *, today: date | None = None, before_activity: int | None = None
) -> list[dict]:
    """The open items of these schools (a visit's), leaving out those given by ``before_activity``
    itself: what to check at this visit."""
    items = []
    for code in schools:
        items.extend(
            i
            for i in list_follow_ups(conn, which="open", school=code, today=today)
            if i["activity_id"] != before_activity
        )
    return items


def status_counts(
    conn: sqlite3.Connection, *, start: date | None = None, end: date | None = None, school: str | None = None
) -> dict:
    """How many items given from ``start`` to ``end`` (inclusive) are open, done, partly done
    and not done, and in all: {open, done, partly, not_done, total}."""
    clauses, params = [], []
    if start is not None:
        clauses.append("given_on >= ?")
        params.append(start.isoformat())
    if end is not None:
        clauses.append("given_on <= ?")
        params.append(end.isoformat())
    if school is not None:
        clauses.append("school_code = ?")
        params.append(school)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    counts = {status: 0 for status in STATUS_LABELS}
    for status, count in conn.execute(f"SELECT status, count(*) FROM follow_ups {where} GROUP BY status", params):
        counts[status] = count
    counts["total"] = sum(counts.values())
    return counts
