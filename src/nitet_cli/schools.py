"""Schools (OBEC codes kept as text: leading zeros matter) and finding one by code or name."""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from nitet_cli.clock import now_iso
from nitet_cli.db import like_pattern, transaction
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.text import clean_text, nearest, visible, without_invisible


class School(NamedTuple):  # not a dataclass: see activity_rows.py (made on every start of log-visit)
    code: str
    name: str
    school_group: str = ""
    district: str = ""

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "group": self.school_group, "district": self.district}


def clean_school_code(code: str | None) -> str:
    """A school code as nitet keeps it, wherever it comes from ('school add', 'school import',
    an export file): NFC, Thai digits as Arabic ones (๕๗๐๑๐๐๐๑ → 57010001), without the
    characters that show nothing (a zero-width space pasted inside it), ends stripped."""
    from nitet_cli.thai import to_arabic_digits

    return without_invisible(to_arabic_digits(clean_text(code or "", multiline=False) or "")).strip()


def bad_school_code(code: str) -> str | None:
    """Why a cleaned code is not a school code (one Thai sentence showing it, invisible
    characters as escapes), or None when it is one."""
    if code.isalnum():
        return None
    return f"รหัสโรงเรียน '{visible(code)}' ต้องเป็นตัวเลข/ตัวอักษรล้วน ไม่มีช่องว่างหรือเครื่องหมาย เช่น 57010001"


def check_school(code: str | None, name: str | None, group: str | None = "", district: str | None = "") -> School:
    code = clean_school_code(code)
    name = clean_text(name or "", multiline=False)
    if not code:
        raise InputError("ไม่มีรหัสโรงเรียน — ใส่รหัสโรงเรียนของ สพฐ. เช่น 57010001")
    if (why := bad_school_code(code)) is not None:
        raise InputError(why)
    if not name:
        raise InputError(f"โรงเรียนรหัส {code} ไม่มีชื่อ — ใส่ชื่อโรงเรียน เช่น โรงเรียนบ้านคู่")
    return School(code, name, clean_text(group or "", multiline=False), clean_text(district or "", multiline=False))


def upsert_school(conn: sqlite3.Connection, school: School) -> bool:
    """Insert or update one school inside the caller's transaction; True when it is new."""
    now = now_iso()
    existed = conn.execute("SELECT 1 FROM schools WHERE code = ?", (school.code,)).fetchone() is not None
    conn.execute(
        "INSERT INTO schools (code, name, school_group, district, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(code) DO UPDATE SET name = excluded.name, school_group = excluded.school_group,"
        " district = excluded.district, updated_at = excluded.updated_at"
        " WHERE (name, school_group, district) IS NOT (excluded.name, excluded.school_group, excluded.district)",
        (school.code, school.name, school.school_group, school.district, now, now),
    )
    return not existed


def _row_to_school(row) -> School:
    return School(row["code"], row["name"], row["school_group"], row["district"])


def get_school(conn: sqlite3.Connection, code: str) -> School | None:
    row = conn.execute("SELECT * FROM schools WHERE code = ?", (code,)).fetchone()
    return _row_to_school(row) if row else None


def list_schools(conn: sqlite3.Connection, group: str | None = None) -> list[School]:
    if group:
        rows = conn.execute("SELECT * FROM schools WHERE school_group = ? ORDER BY school_group, name", (group,))
    else:
        rows = conn.execute("SELECT * FROM schools ORDER BY school_group, name")
    return [_row_to_school(r) for r in rows]


def resolve_school(conn: sqlite3.Connection, query: str) -> School:
    """A school by its code, its exact name, or a unique part of its name.

    Unknown or ambiguous → NotFoundError/InputError listing the nearest candidates.
    """
    text = clean_text(query or "", multiline=False)
    if not text:
        raise InputError("ไม่ได้ระบุโรงเรียน — ใส่รหัสหรือชื่อโรงเรียน")
    # A code as typed or pasted: Thai digits, a zero-width space inside it (clean_school_code).
    row = conn.execute("SELECT * FROM schools WHERE code IN (?, ?)", (text, clean_school_code(text))).fetchone()
    if row:
        return _row_to_school(row)
    rows = conn.execute("SELECT * FROM schools WHERE name = ?", (text,)).fetchall()
    if len(rows) == 1:
        return _row_to_school(rows[0])
    # A name pasted from a Thai document often holds zero-width spaces (word-break hints): the
    # name is looked for without them, and a refusal shows them (visible) rather than hide them.
    typed, text = text, without_invisible(text).strip() or text
    if text != typed and len(rows := conn.execute("SELECT * FROM schools WHERE name = ?", (text,)).fetchall()) == 1:
        return _row_to_school(rows[0])
    bare = text.removeprefix("โรงเรียน").strip()
    rows = conn.execute(
        "SELECT * FROM schools WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT 11", (like_pattern(bare),)
    ).fetchall()
    if len(rows) == 1:
        return _row_to_school(rows[0])
    if len(rows) > 1:
        shown = ", ".join(f"{r['name']} ({r['code']})" for r in rows[:10])
        raise InputError(f"'{visible(typed)}' ตรงกับหลายโรงเรียน: {shown} — ระบุรหัสโรงเรียนหรือชื่อให้ชัดขึ้น")
    names = {r["name"]: r["code"] for r in conn.execute("SELECT code, name FROM schools")}
    if not names:
        raise NotFoundError(
            f"ไม่พบโรงเรียน '{visible(typed)}' — ยังไม่มีโรงเรียนในฐานข้อมูล; เพิ่มด้วย 'nitet school add' หรือ 'nitet school import'"
        )
    close = nearest(text, list(names)) or nearest(bare, [n.removeprefix("โรงเรียน") for n in names])
    hint = (
        ", ".join(f"{n} ({names.get(n) or names.get('โรงเรียน' + n)})" for n in close)
        if close
        else "ดูรายชื่อด้วย 'nitet school list'"
    )
    raise NotFoundError(f"ไม่พบโรงเรียน '{visible(typed)}' — ใกล้เคียง: {hint}")


def school_groups(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT school_group FROM schools WHERE school_group != '' ORDER BY school_group"
        )
    ]


def add_or_update_school(conn: sqlite3.Connection, school: School, *, update: bool = False) -> str:
    """``school add``: 'added', 'updated' or 'unchanged'. An existing code with other
    data is refused unless ``update``, so a mistyped code never overwrites a school."""
    with transaction(conn):
        old = get_school(conn, school.code)
        if old is not None and old != school and not update:
            raise InputError(
                f"มีโรงเรียนรหัส {school.code} อยู่แล้ว ({old.name}, กลุ่ม {old.school_group or '-'})"
                " — ตรวจรหัส หรือใส่ --update เพื่อแก้ข้อมูลโรงเรียนนี้"
            )
        if old == school:
            return "unchanged"
        upsert_school(conn, school)
    return "added" if old is None else "updated"
