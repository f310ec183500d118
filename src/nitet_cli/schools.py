"""Schools (OBEC codes kept as text: leading zeros matter) and finding one by code or name."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from nitet_cli.clock import now_iso
from nitet_cli.db import like_pattern, transaction
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.text import clean_text, decode_utf8, nearest, visible, without_invisible


@dataclass
class School:
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
    from nitet_cli.thai import to_arabic_digits

    row = conn.execute("SELECT * FROM schools WHERE code IN (?, ?)", (text, to_arabic_digits(text))).fetchone()
    if row:
        return _row_to_school(row)
    rows = conn.execute("SELECT * FROM schools WHERE name = ?", (text,)).fetchall()
    if len(rows) == 1:
        return _row_to_school(rows[0])
    bare = text.removeprefix("โรงเรียน").strip()
    rows = conn.execute(
        "SELECT * FROM schools WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT 11", (like_pattern(bare),)
    ).fetchall()
    if len(rows) == 1:
        return _row_to_school(rows[0])
    if len(rows) > 1:
        shown = ", ".join(f"{r['name']} ({r['code']})" for r in rows[:10])
        raise InputError(f"'{text}' ตรงกับหลายโรงเรียน: {shown} — ระบุรหัสโรงเรียนหรือชื่อให้ชัดขึ้น")
    names = {r["name"]: r["code"] for r in conn.execute("SELECT code, name FROM schools")}
    if not names:
        raise NotFoundError(
            f"ไม่พบโรงเรียน '{text}' — ยังไม่มีโรงเรียนในฐานข้อมูล; เพิ่มด้วย 'nitet school add' หรือ 'nitet school import'"
        )
    close = nearest(text, list(names)) or nearest(bare, [n.removeprefix("โรงเรียน") for n in names])
    hint = (
        ", ".join(f"{n} ({names.get(n) or names.get('โรงเรียน' + n)})" for n in close)
        if close
        else "ดูรายชื่อด้วย 'nitet school list'"
    )
    raise NotFoundError(f"ไม่พบโรงเรียน '{text}' — ใกล้เคียง: {hint}")


def school_groups(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT school_group FROM schools WHERE school_group != '' ORDER BY school_group"
        )
    ]


# --- school groups and the manual's targets -------------------------------------------------


def target_groups(conn: sqlite3.Connection) -> list[str]:
    """The school groups the manual's targets name (retired rows aside), in the manual's order."""
    from nitet_cli.targets import parse_target

    groups: list[str] = []
    for (target,) in conn.execute(
        "SELECT target FROM standards WHERE target IS NOT NULL AND retired_at IS NULL ORDER BY position"
    ):
        for group in (parse_target(target) or {}).get("school_groups") or []:
            if group not in groups:
                groups.append(group)
    return groups


@dataclass
class GroupWarning:
    group: str
    schools: int  # how many of the schools just added or imported are in it
    target_groups: list[str]

    def message(self) -> str:
        return (
            f"คำเตือน: กลุ่มโรงเรียน '{self.group}' ({self.schools} โรง) ไม่ตรงกับเป้าหมายรายกลุ่มใดในคู่มือ"
            f" (เป้าหมายใช้กลุ่ม: {', '.join(self.target_groups)}) — โรงเรียนกลุ่มนี้จะไม่ถูกนับในเป้าหมายรายกลุ่ม;"
            " แก้ชื่อกลุ่มในไฟล์ CSV หรือ school_groups ในคู่มือ"
        )

    def as_dict(self) -> dict:
        return {"group": self.group, "schools": self.schools, "message": self.message()}


def unknown_groups(conn: sqlite3.Connection, schools: list[School]) -> list[GroupWarning]:
    """One warning per school group of ``schools`` that no target of the manual names (none when
    the manual has no group targets: then no group is expected)."""
    known = target_groups(conn)
    if not known:
        return []
    counts: dict[str, int] = {}
    for school in schools:
        if school.school_group and school.school_group not in known:
            counts[school.school_group] = counts.get(school.school_group, 0) + 1
    return [GroupWarning(group, n, known) for group, n in sorted(counts.items())]


def schools_outside_group_targets(conn: sqlite3.Connection) -> dict:
    """How many schools are in no group that a target names (``None`` when the manual has no
    group target), and the groups the targets use: for ``status``."""
    known = target_groups(conn)
    if not known:
        return {"count": None, "target_groups": []}
    marks = ", ".join("?" for _ in known)
    count = conn.execute(f"SELECT count(*) FROM schools WHERE school_group NOT IN ({marks})", known).fetchone()[0]
    return {"count": count, "target_groups": known}


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


# --- CSV import ------------------------------------------------------------------------------

CSV_COLUMNS = {
    "code": ("code", "รหัส", "รหัสโรงเรียน", "school_code", "obec_code"),
    "name": ("name", "ชื่อ", "ชื่อโรงเรียน", "school_name"),
    "group": ("group", "กลุ่ม", "กลุ่มโรงเรียน", "school_group", "cluster"),
    "district": ("district", "อำเภอ", "amphoe"),
}
MAX_ERRORS_SHOWN = 30


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[GroupWarning] = field(default_factory=list)  # groups no target names

    def as_dict(self) -> dict:
        return {
            **{k: v for k, v in self.__dict__.items() if k != "warnings"},
            "unknown_groups": [w.as_dict() for w in self.warnings],
        }


def _header_map(header: list[str], source: str) -> dict[str, int]:
    names = [clean_text(h, multiline=False).lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in CSV_COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[key] = index
                break
    missing = [key for key in ("code", "name") if key not in found]
    if missing:
        raise InputError(
            f"{source}: บรรทัดแรกต้องเป็นหัวคอลัมน์ code,name,group,district (ไม่พบ {', '.join(missing)};"
            f" พบ {', '.join(h for h in names if h) or 'บรรทัดว่าง'})"
        )
    return found


def read_schools_csv(path) -> list[tuple[int, School]]:
    """Every row of a schools CSV, checked; (line number, school) pairs.

    UTF-8 with or without a BOM (as Excel saves "CSV UTF-8"); comma, semicolon or tab
    separated. Every bad row is reported with its line number, in one error.
    """
    import csv
    import io
    from pathlib import Path

    from nitet_cli.text import from_spreadsheet
    from nitet_cli.thai import to_arabic_digits

    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"ไม่พบไฟล์ {path} — ระบุไฟล์ CSV ที่มีคอลัมน์ code,name,group,district")
    if path.is_dir():
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์ .csv")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"อ่านไฟล์ {path} ไม่ได้ ({exc.strerror}) — ตรวจสิทธิ์ของไฟล์") from exc
    text = decode_utf8(raw, str(path), "ใน Excel ให้บันทึกเป็นแบบ 'CSV UTF-8 (Comma delimited)'")
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        delimiter = ";" if ";" in first_line else ("\t" if "\t" in first_line else ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise InputError(f"{path}: บรรทัด 1: {exc}") from exc
    if header is None:
        raise InputError(f"{path}: ไฟล์ว่าง — ต้องมีหัวคอลัมน์ code,name,group,district และอย่างน้อย ๑ แถว")
    columns = _header_map(header, str(path))
    errors: list[str] = []
    schools: list[tuple[int, School]] = []
    seen: dict[str, int] = {}
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"บรรทัด {start}: อ่านไม่ได้ ({exc})")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            errors.append(
                f"บรรทัด {start}: มี {len(row)} ช่อง มากกว่าหัวคอลัมน์ ({len(header)}) — ชื่อที่มีจุลภาคต้องอยู่ในเครื่องหมายคำพูด"
            )
            continue

        def cell(key: str, row: list[str] = row) -> str:
            index = columns.get(key)
            return from_spreadsheet(row[index]) if index is not None and index < len(row) else ""

        try:
            school = check_school(to_arabic_digits(cell("code")), cell("name"), cell("group"), cell("district"))
        except InputError as exc:
            errors.append(f"บรรทัด {start}: {exc.message}")
            continue
        if school.code in seen:
            errors.append(f"บรรทัด {start}: รหัส {school.code} ซ้ำกับบรรทัด {seen[school.code]} — แต่ละโรงเรียนใส่ได้แถวเดียว")
            continue
        seen[school.code] = start
        schools.append((start, school))
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = f"\n…และอีก {len(errors) - len(shown)} แถว" if len(errors) > len(shown) else ""
        raise InputError(
            f"{path}: มีแถวที่ไม่ถูกต้อง {len(errors)} แถว จึงไม่ได้นำเข้าเลย — แก้แถวเหล่านี้แล้วนำเข้าใหม่:\n"
            + "\n".join(shown)
            + more
        )
    if not schools:
        raise InputError(f"{path}: ไม่มีแถวข้อมูลโรงเรียน — ใต้หัวคอลัมน์ต้องมีอย่างน้อย ๑ แถว")
    return schools


def import_schools(conn: sqlite3.Connection, path, rows: list[tuple[int, School]] | None = None) -> ImportResult:
    """Check the whole file (unless ``rows`` were read already), then upsert every school
    by code in one transaction."""
    rows = read_schools_csv(path) if rows is None else rows
    result = ImportResult(rows=len(rows))
    with transaction(conn):
        for _, school in rows:
            before = conn.total_changes
            if upsert_school(conn, school):
                result.added += 1
            elif conn.total_changes > before:
                result.updated += 1
            else:
                result.unchanged += 1
    result.warnings = unknown_groups(conn, [school for _, school in rows])
    return result
