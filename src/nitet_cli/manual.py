"""The work manual (คู่มือปฏิบัติงาน): read and check the YAML, store it, read it back.

``read_manual`` validates the whole file before anything touches the database, then
``store_manual`` upserts it in one transaction: loading the same file twice changes nothing, changed
text updates, and a duty or row that disappears from the file is retired (kept, and
still shown on past entries), never deleted.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nitet_cli.clock import now_iso
from nitet_cli.db import transaction
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.profile import ENDORSER_FIELDS, PROFILE_FIELDS
from nitet_cli.targets import (
    EVERY_VISIT,
    LINKED_VISITS,
    MAX_PER_TERM,
    TARGET_COUNTS,
    TARGET_KINDS,
    parse_target,
    visit_target,
)
from nitet_cli.text import clean_text, decode_utf8
from nitet_cli.thai import to_arabic_digits

#: What every command that needs the manual says when the database has none.
NO_MANUAL = "ยังไม่มีคู่มือในฐานข้อมูล — โหลดด้วย 'nitet init' หรือ 'nitet manual load duties.yaml'"


@dataclass
class Standard:
    duty_number: int
    step: int
    activity: str
    standard: str
    #: The target as every command counts by it: the YAML's checked target, or (read back from the
    #: database) targets.visit_target of the stored one; None for none, or one that counts nothing.
    target: dict | None = None
    #: Read back from the database: the target's JSON text as stored (None for none).
    stored_target: str | None = None
    #: Where the stored target is read otherwise than it is written (:func:`target_notes`).
    target_notes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.duty_number}.{self.step}"


@dataclass
class Duty:
    number: int
    title: str
    standards: list[Standard] = field(default_factory=list)


@dataclass
class Manual:
    title: str
    profile: dict[str, str]
    duties: list[Duty]
    source: str = ""
    sha256: str = ""
    own_profile: bool = True  # False: a group database without its own profile (see neutral_profile)
    year: int | None = None  # the Buddhist Era academic year the manual is for (manual.year), if it says

    @property
    def standard_count(self) -> int:
        return sum(len(d.standards) for d in self.duties)


@dataclass
class LoadResult:
    duties_added: int = 0
    duties_updated: int = 0
    duties_retired: int = 0
    standards_added: int = 0
    standards_updated: int = 0
    standards_retired: int = 0
    standards_unchanged: int = 0
    profile_changed: bool = False
    year_changed: bool = False

    @property
    def changed(self) -> bool:
        return any(
            (
                self.duties_added,
                self.duties_updated,
                self.duties_retired,
                self.standards_added,
                self.standards_updated,
                self.standards_retired,
                self.profile_changed,
                self.year_changed,
            )
        )


# --- reading and checking the YAML -------------------------------------------------


def read_manual(path: Path | str) -> Manual:
    """Parse and validate a manual YAML file; raise InputError naming what is wrong.

    The file is read within the limits of :mod:`nitet_cli.safe_yaml` (size, nesting, alias
    expansion) and a duplicate key is refused with its line."""
    from nitet_cli import safe_yaml

    path = Path(path)
    if not path.exists():
        raise NotFoundError(f"ไม่พบไฟล์คู่มือ {path} — ระบุเส้นทางของไฟล์ .yaml ที่มีอยู่")
    if path.is_dir():
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์คู่มือ .yaml ไม่ใช่โฟลเดอร์")
    raw_bytes = safe_yaml.read_limited(path, "ไฟล์คู่มือ", "ระบุไฟล์คู่มือ .yaml ที่อ่านได้")
    raw = decode_utf8(raw_bytes, str(path), "บันทึกไฟล์เป็น UTF-8")
    data = safe_yaml.load(raw, str(path))
    manual = parse_manual(data, source=str(path))
    import hashlib  # here: log-visit reads targets through this module and hashes nothing

    manual.sha256 = hashlib.sha256(raw_bytes).hexdigest()
    return manual


def _text(value: Any, where: str, name: str, *, required: bool = True) -> str:
    if isinstance(value, (dict, list)):
        raise InputError(f"{where}: '{name}' ต้องเป็นข้อความ ไม่ใช่ {type(value).__name__}")
    text = "" if value is None else clean_text(str(value)) or ""
    if not text and required:  # also a text of control characters or lone surrogates only: cleaned, it is empty
        raise InputError(f"{where}: ไม่มีค่า '{name}' — ต้องเป็นข้อความที่ไม่ว่าง (มีตัวอักษรที่มองเห็นได้)")
    return text


#: The largest duty number and row step a manual may use (the seed: 9 duties, 11 rows at most):
#: far above any real manual, far below what SQLite and the reports can hold (a bigger integer
#: used to load, then break every status/report). The largest visit target per term is
#: targets.MAX_PER_TERM, which reading a stored target holds to as well.
MAX_NUMBER = 999


def _number(value: Any, where: str, name: str, maximum: int = MAX_NUMBER, example: int = 1) -> int:
    """A whole number from 1 to ``maximum``; "๓" and "3." (as typed in the seed) are accepted too."""
    if value is None:
        raise InputError(f"{where}: ไม่มีค่า '{name}' — ต้องเป็นเลขจำนวนเต็มบวก เช่น {example}")
    if isinstance(value, str):
        digits = to_arabic_digits(value.strip().rstrip("."))
        value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 6 else value
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        shown = (
            repr(value)
            if isinstance(value, (int, float, str)) and len(repr(value)) <= 40
            else f"ค่าชนิด {type(value).__name__}"
        )
        raise InputError(f"{where}: '{name}' ต้องเป็นเลขจำนวนเต็มตั้งแต่ 1 ถึง {maximum} เช่น {example} ไม่ใช่ {shown}")
    return value


def _target(value: Any, where: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(
            f"{where}: 'target' ต้องเป็นชุดค่า เช่น {{kind: school_visits, min_per_term: 2, school_groups: [บ้านคู่]}}"
        )
    kind = value.get("kind")
    if not isinstance(kind, str) or kind not in TARGET_KINDS:
        shown = repr(kind) if isinstance(kind, str) and len(kind) <= 40 else f"ค่าชนิด {type(kind).__name__}"
        raise InputError(f"{where}: target.kind ต้องเป็น {', '.join(sorted(TARGET_KINDS))} ไม่ใช่ {shown}")
    minimum = _number(value.get("min_per_term"), where, "target.min_per_term", MAX_PER_TERM, example=2)
    groups = value.get("school_groups", [])
    if groups is None:
        groups = []
    _check_groups(groups, where)
    counts = LINKED_VISITS if value.get("counts") is None else value["counts"]
    if counts not in TARGET_COUNTS:
        raise InputError(
            f"{where}: target.counts ต้องเป็น {LINKED_VISITS} (นับเฉพาะการนิเทศที่บันทึกในมาตรฐานนี้ ค่าเริ่มต้น)"
            f" หรือ {EVERY_VISIT} (นับทุกครั้งที่นิเทศโรงเรียน ไม่ว่าบันทึกในมาตรฐานใด) ไม่ใช่ {counts!r}"
        )
    found = {"kind": kind, "min_per_term": minimum, "school_groups": [clean_text(g) for g in groups]}
    return {**found, "counts": counts} if counts != LINKED_VISITS else found  # the default is not stored


def _check_groups(groups: Any, where: str) -> None:
    """``target.school_groups`` must be a list of group names (texts with a visible letter): a
    text alone, or a list with anything else in it, is refused, saying what was found. (A target
    edited by hand in the database is read leniently instead: targets.target_groups.)"""
    right = "เช่น [บ้านคู่] หรือ [] สำหรับทุกโรงเรียน"
    if isinstance(groups, str):
        name = clean_text(groups) or ""
        shown = f"[{name}]" if name and len(name) <= 40 and not any(c in name for c in "[],:{}") else "[บ้านคู่]"
        raise InputError(
            f"{where}: target.school_groups ต้องเป็นรายชื่อกลุ่มในวงเล็บเหลี่ยม เช่น {shown} ไม่ใช่ข้อความเดี่ยว"
            " (ใส่ [] สำหรับทุกโรงเรียน)"
        )
    if not isinstance(groups, list):
        raise InputError(
            f"{where}: target.school_groups ต้องเป็นรายชื่อกลุ่มโรงเรียน {right} ไม่ใช่ค่าชนิด {type(groups).__name__}"
        )
    for index, group in enumerate(groups, start=1):
        if not (isinstance(group, str) and clean_text(group)):
            found = f"ค่าชนิด {type(group).__name__}" if not isinstance(group, str) else "ข้อความที่ไม่มีตัวอักษรที่มองเห็นได้"
            raise InputError(
                f"{where}: target.school_groups ชื่อกลุ่มที่ {index} ต้องเป็นชื่อกลุ่มโรงเรียนที่เป็นข้อความ {right} ไม่ใช่{found}"
            )


def parse_manual(data: Any, source: str = "manual") -> Manual:
    if not isinstance(data, dict):
        raise InputError(f"{source}: ต้องเป็นชุดค่าที่มี 'profile' และ 'duties' ที่ระดับบนสุด")
    meta = data.get("manual") or {}
    if not isinstance(meta, dict):
        raise InputError(f"{source}: 'manual' ต้องเป็นชุดค่า เช่น {{title: คู่มือปฏิบัติงาน}}")
    manual_title = _text(meta.get("title"), source, "manual.title", required=False) or "คู่มือปฏิบัติงาน"
    year = None
    if meta.get("year") is not None:
        year = _number(meta["year"], source, "manual.year", 9999, example=2569)
        if not 2400 < year < 2700:
            raise InputError(f"{source}: manual.year ต้องเป็นปีการศึกษา พ.ศ. เช่น 2569 ไม่ใช่ {year}")

    profile_raw = data.get("profile")
    if not isinstance(profile_raw, dict):
        raise InputError(f"{source}: ไม่มีส่วน 'profile' (ชื่อ ตำแหน่ง หน่วยงาน ของเจ้าของคู่มือ)")
    profile = {
        name: _text(profile_raw.get(name), f"{source}: profile", name, required=(name == "name"))
        for name in PROFILE_FIELDS
    }
    for name in ENDORSER_FIELDS:
        if name in profile_raw:
            profile[name] = _text(profile_raw[name], f"{source}: profile", name, required=False)

    duties_raw = data.get("duties")
    if not isinstance(duties_raw, list) or not duties_raw:
        raise InputError(f"{source}: ไม่มีรายการ 'duties' (งานในหน้าที่ เรื่องที่ ๑, ๒, …)")
    duties: list[Duty] = []
    seen_duties: dict[int, int] = {}
    for index, duty_raw in enumerate(duties_raw, start=1):
        where = f"{source}: duty #{index}"
        if not isinstance(duty_raw, dict):
            raise InputError(f"{where}: ต้องเป็นชุดค่าที่มี number, title, standards")
        number = _number(duty_raw.get("number"), where, "number")
        where = f"{source}: เรื่องที่ {number}"
        if number in seen_duties:
            raise InputError(
                f"{where}: หมายเลขเรื่องซ้ำ (duty #{seen_duties[number]} และ #{index}) — แต่ละเรื่องต้องมีหมายเลขไม่ซ้ำกัน"
            )
        seen_duties[number] = index
        title = _text(duty_raw.get("title"), where, "title")
        rows = duty_raw.get("standards")
        if not isinstance(rows, list) or not rows:
            raise InputError(f"{where}: ไม่มีแถวกิจกรรม (standards) — แต่ละเรื่องต้องมีอย่างน้อย ๑ แถว")
        duty = Duty(number=number, title=title)
        seen_steps: set[int] = set()
        for row_index, row in enumerate(rows, start=1):
            row_where = f"{where} แถวที่ {row_index}"
            if not isinstance(row, dict):
                raise InputError(f"{row_where}: ต้องเป็นชุดค่าที่มี step, activity, standard")
            step = _number(row.get("step"), row_where, "step")
            row_where = f"{where} แถว {number}.{step}"
            if step in seen_steps:
                raise InputError(f"{row_where}: ลำดับที่ {step} ซ้ำในเรื่องที่ {number} — แต่ละแถวต้องมีลำดับไม่ซ้ำกัน")
            seen_steps.add(step)
            duty.standards.append(
                Standard(
                    duty_number=number,
                    step=step,
                    activity=_text(row.get("activity"), row_where, "activity"),
                    standard=_text(row.get("standard"), row_where, "standard"),
                    target=_target(row.get("target"), row_where),
                )
            )
        duties.append(duty)
    return Manual(title=manual_title, profile=profile, duties=duties, source=source, year=year)


# --- storing ---------------------------------------------------------------------------


def store_manual(conn: sqlite3.Connection, manual: Manual) -> LoadResult:
    """Upsert ``manual`` in one transaction."""
    result = LoadResult()
    now = now_iso()
    with transaction(conn):
        result.profile_changed = _store_profile(conn, manual.profile, now)
        for key, value in (("title", manual.title), ("source", manual.source), ("sha256", manual.sha256)):
            conn.execute(
                "INSERT INTO manual_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        # The year is the manual's: a file that names none takes back the one an earlier file named.
        old_year = conn.execute("SELECT value FROM manual_meta WHERE key = 'year'").fetchone()
        result.year_changed = (old_year[0] if old_year else None) != (str(manual.year) if manual.year else None)
        if manual.year is None:
            conn.execute("DELETE FROM manual_meta WHERE key = 'year'")
        else:
            conn.execute(
                "INSERT INTO manual_meta (key, value) VALUES ('year', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(manual.year),),
            )

        existing_duties = {r["number"]: r for r in conn.execute("SELECT * FROM duties")}
        for position, duty in enumerate(manual.duties):
            old = existing_duties.pop(duty.number, None)
            if old is None:
                conn.execute(
                    "INSERT INTO duties (number, title, position) VALUES (?, ?, ?)",
                    (duty.number, duty.title, position),
                )
                result.duties_added += 1
            elif (old["title"], old["position"], old["retired_at"]) != (duty.title, position, None):
                conn.execute(
                    "UPDATE duties SET title = ?, position = ?, retired_at = NULL WHERE number = ?",
                    (duty.title, position, duty.number),
                )
                result.duties_updated += 1
        for number, old in existing_duties.items():
            if old["retired_at"] is None:
                conn.execute("UPDATE duties SET retired_at = ? WHERE number = ?", (now, number))
                result.duties_retired += 1

        existing = {r["id"]: r for r in conn.execute("SELECT * FROM standards")}
        position = 0
        for duty in manual.duties:
            for row in duty.standards:
                target = json.dumps(row.target, ensure_ascii=False, sort_keys=True) if row.target else None
                new = (row.duty_number, row.step, row.activity, row.standard, target, position, None)
                old = existing.pop(row.id, None)
                if old is None:
                    conn.execute(
                        "INSERT INTO standards (id, duty_number, step, activity, standard, target, position)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (row.id, *new[:-1]),
                    )
                    result.standards_added += 1
                elif (
                    tuple(
                        old[k]
                        for k in ("duty_number", "step", "activity", "standard", "target", "position", "retired_at")
                    )
                    != new
                ):
                    conn.execute(
                        "UPDATE standards SET activity = ?, standard = ?, target = ?, position = ?, retired_at = NULL"
                        " WHERE id = ?",
                        (row.activity, row.standard, target, position, row.id),
                    )
                    result.standards_updated += 1
                else:
                    result.standards_unchanged += 1
                position += 1
        for standard_id, old in existing.items():
            if old["retired_at"] is None:
                conn.execute("UPDATE standards SET retired_at = ? WHERE id = ?", (now, standard_id))
                result.standards_retired += 1
    return result


def _store_profile(conn: sqlite3.Connection, profile: dict[str, str], now: str) -> bool:
    """The owner's profile from a manual: every field of PROFILE_FIELDS, and the endorser's
    fields the manual names (ENDORSER_FIELDS it leaves out stay as they are)."""
    fields = [f for f in (*PROFILE_FIELDS, *ENDORSER_FIELDS) if f in profile]
    row = conn.execute("SELECT * FROM supervisors WHERE is_self = 1").fetchone()
    if row is None:
        columns = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        conn.execute(
            f"INSERT INTO supervisors (uuid, {columns}, is_self, updated_at) VALUES (?, {marks}, 1, ?)",
            (str(uuid.uuid4()), *(profile[f] for f in fields), now),
        )
        return True
    if all(row[f] == profile[f] for f in fields):
        return False
    assignments = ", ".join(f"{f} = ?" for f in fields)
    conn.execute(
        f"UPDATE supervisors SET {assignments}, updated_at = ? WHERE id = ?",
        (*(profile[f] for f in fields), now, row["id"]),
    )
    return True


# --- reading back ---------------------------------------------------------------------


def get_profile(conn: sqlite3.Connection) -> dict[str, str] | None:
    row = conn.execute("SELECT * FROM supervisors WHERE is_self = 1").fetchone()
    if row is None:
        return None
    return {f: row[f] for f in ("uuid", *PROFILE_FIELDS, *ENDORSER_FIELDS)}


#: Profile fields that name the organisation rather than the person: a group shares them.
ORGANISATION_FIELDS = ("work_unit", "work_group", "office", "agency", "ministry")


def neutral_profile(conn: sqlite3.Connection) -> dict[str, str]:
    """The profile of a database that has no owner (``nitet merge --into`` a new file): no name,
    position or standing, and the organisation (unit, group, office, agency, ministry) where every
    supervisor in it agrees — the group's office."""
    profile = {"uuid": "", **{f: "" for f in (*PROFILE_FIELDS, *ENDORSER_FIELDS)}}
    for name in ORGANISATION_FIELDS:
        values = [r[0] for r in conn.execute(f"SELECT DISTINCT {name} FROM supervisors LIMIT 2")]
        if len(values) == 1:
            profile[name] = values[0]
    return profile


def report_profile(conn: sqlite3.Connection) -> dict[str, str]:
    """The owner's profile, or the neutral one of a group database without an owner."""
    return get_profile(conn) or neutral_profile(conn)


def get_manual(conn: sqlite3.Connection, *, include_retired: bool = False) -> Manual:
    """The stored manual, in the order of the YAML it came from.

    A database without its own profile but with a manual (made by ``nitet merge`` into a new
    file) gives the manual with the neutral profile and ``own_profile`` False."""
    profile = get_profile(conn)
    own_profile = profile is not None
    if profile is None:
        if conn.execute("SELECT 1 FROM standards LIMIT 1").fetchone() is None:
            raise NotFoundError(NO_MANUAL)
        profile = neutral_profile(conn)
    meta = {r["key"]: r["value"] for r in conn.execute("SELECT key, value FROM manual_meta")}
    retired = "" if include_retired else "WHERE retired_at IS NULL"
    duties = {
        r["number"]: Duty(number=r["number"], title=r["title"])
        for r in conn.execute(f"SELECT number, title FROM duties {retired} ORDER BY position, number")
    }
    for r in conn.execute(f"SELECT * FROM standards {retired} ORDER BY position, duty_number, step"):
        duty = duties.get(r["duty_number"])
        if duty is None:
            continue
        duty.standards.append(
            Standard(
                duty_number=r["duty_number"],
                step=r["step"],
                activity=r["activity"],
                standard=r["standard"],
                target=visit_target(r["target"]),
                stored_target=r["target"] or None,
                target_notes=target_notes(r["target"]),
            )
        )
    return Manual(
        title=meta.get("title", "คู่มือปฏิบัติงาน"),
        profile=profile,
        duties=list(duties.values()),
        source=meta.get("source", ""),
        sha256=meta.get("sha256", ""),
        own_profile=own_profile,
        year=int(meta["year"]) if meta.get("year", "").isdigit() else None,
    )


# --- a target edited by hand in the database -------------------------------------------------

#: How much of a stored value a note shows (a 20,000-name list is cut).
SHOWN_CHARS = 40


def _shown(value: Any) -> str:
    """A stored value as a short JSON text for a note (:func:`_cut`)."""
    try:
        return _cut(json.dumps(value, ensure_ascii=False))
    except (ValueError, RecursionError):  # (nested too deep to write back)
        return f"ค่าชนิด {type(value).__name__}"


def _cut(shown: str) -> str:
    """``shown`` cut after SHOWN_CHARS characters, and every character a terminal or a YAML comment
    would not keep on its line (a lone surrogate, a control or line-separator character) escaped,
    ``\\ud800``."""
    if len(shown) > SHOWN_CHARS:
        shown = shown[:SHOWN_CHARS] + "…"
    if shown.isprintable():
        return shown
    return "".join(
        c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}" for c in shown
    )


def _loaded_minimum(value: Any) -> int | None:
    """``min_per_term`` as the manual's loader reads it; None where it refuses it."""
    try:
        return _number(value, "", "min_per_term", MAX_PER_TERM)
    except InputError:
        return None


def _loaded_groups(value: Any) -> list[str] | None:
    """``school_groups`` as the manual's loader reads it (each name once); None where it refuses it."""
    groups = [] if value is None else value
    try:
        _check_groups(groups, "")
    except InputError:
        return None
    return list(dict.fromkeys(clean_text(g) for g in groups))


def target_notes(raw: str | None) -> list[str]:
    """Where a stored target (edited by hand in the database) is read otherwise than the manual's
    YAML would read it: one short phrase per field, in the YAML's own words and with the value
    every command counts by (targets.visit_target), e.g. ``school_groups "ขยายโอกาส" อ่านเป็น
    ["ขยายโอกาส"]`` or ``ไม่มี min_per_term อ่านเป็น 1``; ``[]`` for a target the YAML reads the
    same way (one loaded from the YAML), or none."""
    if not raw:
        return []
    target = parse_target(raw)
    if target is None:
        return [f"ไม่ใช่ชุดค่า JSON: {_cut(raw)}"]
    read = visit_target(raw)
    if read is None:
        kinds = ", ".join(sorted(TARGET_KINDS))
        return [f"kind {_shown(target['kind'])} ไม่ใช่ {kinds}" if "kind" in target else f"ไม่มี kind (ต้องเป็น {kinds})"]
    notes = []
    if _loaded_minimum(target.get("min_per_term")) != read["min_per_term"]:
        stored = f"min_per_term {_shown(target['min_per_term'])}" if "min_per_term" in target else "ไม่มี min_per_term"
        notes.append(f"{stored} อ่านเป็น {read['min_per_term']}")
    groups, loaded = target.get("school_groups"), _loaded_groups(target.get("school_groups"))
    if loaded != read["school_groups"]:
        written = isinstance(groups, list) and all(isinstance(g, str) for g in groups)
        if written and list(dict.fromkeys(groups)) == read["school_groups"]:  # a name the loader cleans or refuses
            loader = f"อ่านเป็น {_shown(loaded)}" if loaded is not None else "ไม่รับ"
            notes.append(f"school_groups {_shown(groups)} นับตามที่เขียน แต่ 'manual load' {loader}")
        else:
            every = " (ทุกโรงเรียน)" if not read["school_groups"] else ""
            notes.append(f"school_groups {_shown(groups)} อ่านเป็น {_shown(read['school_groups'])}{every}")
    counts = target.get("counts")
    if counts is not None and counts not in TARGET_COUNTS:
        notes.append(f"counts {_shown(counts)} อ่านเป็น {LINKED_VISITS}")
    return notes


# --- the manual as the user's own YAML ---------------------------------------------------------

YAML_HEADER = """\
# คู่มือปฏิบัติงาน จาก nitet ({db}) — แก้ไฟล์นี้แล้วโหลดกลับด้วย: nitet manual load {name}
# (ไฟล์นี้เขียนโดย 'nitet manual export --yaml'; โหลดกลับโดยไม่แก้ก็ไม่มีอะไรเปลี่ยน)
#
# ส่วนที่ศึกษานิเทศก์แก้เอง:
#   profile:   ชื่อ (name) ตำแหน่ง (position) วิทยฐานะ (academic_standing) กลุ่มงาน (work_unit)
#              กลุ่ม (work_group) สังกัด (office) หน่วยงาน (agency) กระทรวง (ministry) และผู้บังคับบัญชา
#              ที่ให้ความเห็นท้ายรายงาน (endorser_name, endorser_position)
#              — หรือแก้ด้วย 'nitet profile set --name …' โดยไม่ต้องโหลดไฟล์
#   manual:    ชื่อคู่มือ (title) และปีการศึกษา พ.ศ. ที่คู่มือใช้ (year, ไม่ใส่ก็ได้)
#   duties:    ชื่อเรื่อง (title) และแต่ละแถว: กิจกรรม/วิธีปฏิบัติ (activity) มาตรฐานการปฏิบัติงาน (standard)
#              แถวหรือเรื่องที่ลบออกจากไฟล์จะถูก "ยกเลิก" เมื่อโหลด (ไม่ถูกลบ กิจกรรมเดิมยังอยู่)
#   target:    เป้าหมายที่นับได้ของแถว: min_per_term ครั้งต่อภาคเรียน ต่อโรงเรียนของกลุ่มใน school_groups
#              ([] คือทุกโรงเรียน) — ชื่อกลุ่มต้องตรงกับกลุ่มโรงเรียนใน 'nitet school list'
#
# ส่วนที่ไม่ควรแก้: number และ step (รหัสมาตรฐาน เช่น 7.3 ที่กิจกรรมที่บันทึกแล้วอ้างถึง)
"""
NO_OWNER_NOTE = "# ฐานข้อมูลนี้ไม่มีเจ้าของ: ใส่ชื่อผู้จัดทำที่ profile.name ก่อนโหลด\n"


def _yaml_dumper():
    import yaml

    class Dumper(yaml.SafeDumper):
        """Strings YAML would fold otherwise (NEL, LS, PS) in double quotes, escaped."""

    def text(dumper, value: str):
        style = '"' if any(c in value for c in "\x85\u2028\u2029") else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    return Dumper


TARGETS_TO_FIX = """\
#
# เป้าหมายที่แก้ในฐานข้อมูลโดยตรง: เขียนไว้ตามที่เก็บ แต่ 'nitet manual load' ไม่รับหรืออ่านต่างจากที่นับอยู่
# — แก้แถวเหล่านี้ก่อนโหลด (ค่าหลัง "อ่านเป็น" คือค่าที่ status นับอยู่ตอนนี้):
"""

#: A stored target the YAML export writes as a mapping loads back within safe_yaml's limits: it
#: sits 5 levels down in the file (the file, duties, a duty, its standards, the row), and holds at
#: most a quarter of a file's values.
TARGET_DEPTH_IN_FILE = 5


def _fits_yaml(value: Any) -> bool:
    """True when ``value`` (a stored target) nests and holds no more than a manual file may: its
    levels counted as safe_yaml counts them (a scalar is a level), its values with their keys."""
    from nitet_cli.safe_yaml import MAX_DEPTH, MAX_VALUES

    stack, count = [(value, TARGET_DEPTH_IN_FILE + 1)], 0
    while stack:  # (not recursive: a stored target may nest ~1,000 levels, beyond Python's stack)
        item, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH or count > MAX_VALUES // 4:
            return False
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for pair in item.items() for child in pair)
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return True


def exported_target(standard: Standard) -> tuple[Any, list[str]]:
    """What ``manual export --yaml`` writes for a standard's stored target, and the notes that flag
    it (``[]``: the YAML loads it back as every command counts it now). The stored object itself,
    every key as stored, never the counted reading; a stored text that is not a JSON object, or an
    object nested deeper or holding more than a manual file may, as that very text (the loader
    refuses a target that is a text, naming its row: a load never drops or rewrites it silently)."""
    if not standard.stored_target:
        return None, []
    stored = parse_target(standard.stored_target)
    if stored is not None and _fits_yaml(stored):
        return stored, standard.target_notes
    notes = standard.target_notes if stored is None else [*standard.target_notes, "ซ้อนลึกหรือใหญ่เกินกว่าไฟล์คู่มือรับ"]
    return standard.stored_target, [*notes, "เขียนไว้เป็นข้อความตามที่เก็บ"]


def targets_to_fix(manual: Manual) -> list[dict]:
    """The stored targets the YAML export flags (:func:`exported_target`): standard and notes."""
    found = []
    for duty in manual.duties:
        for s in duty.standards:
            notes = exported_target(s)[1]
            if notes:
                found.append({"standard": s.id, "notes": notes})
    return found


def manual_yaml(conn: sqlite3.Connection, *, db_name: str = "", file_name: str = "my-duties.yaml") -> str:
    """The stored manual (profile, title, year, duties, standards and their targets as stored) as a
    YAML file that ``read_manual`` reads back to the same manual: loading it changes nothing. A
    target edited by hand that the loader would refuse or read otherwise than it is counted now is
    written as stored too, and listed at the top with what it is counted as (:func:`exported_target`)."""
    import yaml

    manual = get_manual(conn)
    meta: dict[str, Any] = {"title": manual.title}
    if manual.year is not None:
        meta["year"] = manual.year
    profile = {f: manual.profile.get(f, "") for f in (*PROFILE_FIELDS, *ENDORSER_FIELDS)}
    duties, to_fix = [], []
    for duty in manual.duties:
        rows = []
        for s in duty.standards:
            row: dict[str, Any] = {"step": s.step, "activity": s.activity, "standard": s.standard}
            target, notes = exported_target(s)
            if target is not None:
                row["target"] = target
            if notes:
                to_fix.append(f"#   {s.id}: {'; '.join(notes)}\n")
            rows.append(row)
        duties.append({"number": duty.number, "title": duty.title, "standards": rows})
    body = yaml.dump(
        {"manual": meta, "profile": profile, "duties": duties},
        Dumper=_yaml_dumper(),
        allow_unicode=True,
        sort_keys=False,
        width=120,
        default_flow_style=False,
    )
    header = YAML_HEADER.format(db=db_name or "ฐานข้อมูล", name=file_name)
    if to_fix:
        header += TARGETS_TO_FIX + "".join(to_fix)
    return header + ("" if manual.own_profile else NO_OWNER_NOTE) + "\n" + body


def manual_as_dict(manual: Manual) -> dict:
    """The manual as plain data, for --json and for templates."""
    return {
        "title": manual.title,
        "year": manual.year,
        "profile": dict(manual.profile),
        "own_profile": manual.own_profile,
        "duties": [
            {
                "number": d.number,
                "title": d.title,
                "standards": [
                    {
                        "id": s.id,
                        "step": s.step,
                        "activity": s.activity,
                        "standard": s.standard,
                        "target": s.target,  # as counted (targets.visit_target)
                        "target_notes": s.target_notes,
                    }
                    for s in d.standards
                ],
            }
            for d in manual.duties
        ],
    }
