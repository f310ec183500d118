"""The database owner's profile and identity: the supervisor row with ``is_self = 1``.

Only the owner changes it (``nitet manual load``, ``nitet init``, the ``nitet profile``
commands); import and merge never do (exchange.py), except ``nitet import --as-owner`` into
a fresh database (moving to a new computer). A database copied from a colleague's is, until given
its own identity, the colleague: the same supervisor UUID and the same entry UUIDs, so a
group merge would put both people's work under one name. ``new_identity`` gives a copy
its own.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import asdict, dataclass

from nitet_cli.clock import now_iso
from nitet_cli.db import transaction
from nitet_cli.errors import DatabaseError, InputError, NotFoundError

#: The profile's fields a person sets (``nitet profile set``, ``nitet init``): the manual YAML's
#: profile and the report's endorser (ผู้บังคับบัญชาที่ให้ความเห็น). Thai labels for show and errors.
FIELDS = {
    "name": "ชื่อ-นามสกุล",
    "position": "ตำแหน่ง",
    "academic_standing": "วิทยฐานะ",
    "work_unit": "กลุ่มงาน",
    "work_group": "กลุ่ม",
    "office": "สังกัด",
    "agency": "หน่วยงาน",
    "ministry": "กระทรวง",
    "endorser_name": "ผู้บังคับบัญชาที่ให้ความเห็น",
    "endorser_position": "ตำแหน่งผู้บังคับบัญชา",
}
#: Who endorses the owner's report (ความเห็นของผู้บังคับบัญชา), stored with the profile (m012).
#: Optional in a manual's YAML: a file without them leaves the stored endorser as it is.
ENDORSER_FIELDS = ("endorser_name", "endorser_position")
#: The person and their organisation: the profile a manual's YAML must give, every supervisor's row.
PROFILE_FIELDS = tuple(f for f in FIELDS if f not in ENDORSER_FIELDS)
#: The longest value a profile field takes from the command line (a name, a position, an office).
MAX_FIELD = 300
#: The name on the bundled manual's profile (data/duties.yaml): a database whose owner still
#: carries it has not been given its owner's own profile yet.
SAMPLE_NAME = "นายรณชัย สิงห์คำ"
SAMPLE_NOTICE = (
    "หมายเหตุ: โปรไฟล์ยังเป็นตัวอย่างที่มากับโปรแกรม ({name}) — ใส่ชื่อของคุณด้วย"
    " 'nitet profile set --name … --position … --office …'"
)


def option_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def check_fields(values: dict[str, str | None]) -> dict[str, str]:
    """The given fields (None: not given), cleaned; an empty name or a value over MAX_FIELD
    characters is refused with one sentence naming the option."""
    from nitet_cli.text import clean_text

    cleaned: dict[str, str] = {}
    for field, value in values.items():
        if value is None:
            continue
        if field not in FIELDS:
            raise InputError(f"ไม่มีข้อมูลโปรไฟล์ '{field}' — ใช้ได้: {', '.join(option_name(f) for f in FIELDS)}")
        text = clean_text(value, multiline=False) or ""
        if field == "name" and not text:
            raise InputError('--name ว่างไม่ได้ — ใส่ชื่อ-นามสกุล เช่น --name "นางสาวสมใจ ใฝ่ดี"')
        if len(text) > MAX_FIELD:
            raise InputError(
                f"{option_name(field)} ({FIELDS[field]}) ยาว {len(text)} ตัวอักษร เกิน {MAX_FIELD} — ใส่ให้สั้นลง"
            )
        cleaned[field] = text
    return cleaned


@dataclass
class ProfileChange:
    changed: list[str]  # the fields whose value changed
    profile: dict  # the profile afterwards

    def as_dict(self) -> dict:
        return {"changed": self.changed, "profile": self.profile}


def get_owner_profile(conn: sqlite3.Connection) -> dict:
    """The owner's profile with ``sample`` (True while it is still the bundled sample)."""
    from nitet_cli.manual import get_profile

    profile = get_profile(conn)
    if profile is None:
        raise NotFoundError(
            "ฐานข้อมูลนี้ไม่มีเจ้าของ (เช่น ฐานข้อมูลรวมของกลุ่มจาก 'nitet merge --into') — สร้างฐานข้อมูลของคุณด้วย 'nitet init'"
        )
    return {**profile, "sample": profile["name"] == SAMPLE_NAME}


def set_profile(conn: sqlite3.Connection, values: dict[str, str | None]) -> ProfileChange:
    """Change the given fields of the owner's profile (None: leave as it is), in one transaction."""
    fields = check_fields(values)
    if not fields:
        raise InputError("ไม่ได้ระบุสิ่งที่จะเปลี่ยน — ใส่อย่างน้อยหนึ่งค่า เช่น --name … หรือ --office …")
    try:
        with transaction(conn):
            before = get_owner_profile(conn)
            changed = [f for f, v in fields.items() if before[f] != v]
            if changed:
                assignments = ", ".join(f"{f} = ?" for f in changed)
                conn.execute(
                    f"UPDATE supervisors SET {assignments}, updated_at = ? WHERE is_self = 1",
                    (*(fields[f] for f in changed), now_iso()),
                )
            after = get_owner_profile(conn)
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"บันทึกโปรไฟล์ไม่สำเร็จ ({exc}) — ไม่มีการเปลี่ยนแปลงใด ๆ; ตรวจด้วย 'nitet doctor' แล้วลองใหม่"
        ) from exc
    return ProfileChange(changed, after)


#: The sample's fields that are its author's own: not carried over to a new name given to
#: ``nitet init`` (position, group, agency and ministry are every supervisor's; the office is asked).
SAMPLE_PERSONAL = ("academic_standing", "work_unit")


def first_profile(base: dict, given: dict[str, str | None]) -> dict:
    """The profile ``nitet init`` stores: ``base`` (the manual's, or the owner's already there)
    with the given fields. A new name over the bundled sample needs its own office (the sample's
    office is another person's), and leaves the sample's standing and unit out."""
    fields = check_fields(given)
    profile = dict(base)
    if "name" in fields and base.get("name") == SAMPLE_NAME and fields["name"] != SAMPLE_NAME:
        if "office" not in fields:
            raise InputError(
                f"ใส่ --office ด้วย — สังกัดในคู่มือตัวอย่าง ({base.get('office')}) เป็นของผู้จัดทำตัวอย่าง"
                ' เช่น --office "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาน่าน เขต ๒"'
            )
        for field in SAMPLE_PERSONAL:
            profile[field] = ""
    profile.update(fields)
    return profile


def sample_notice(conn: sqlite3.Connection) -> str | None:
    """One line for stderr while the owner's profile is still the bundled sample, else None
    (also for a database without an owner)."""
    row = conn.execute("SELECT name FROM supervisors WHERE is_self = 1").fetchone()
    if row is None or row[0] != SAMPLE_NAME:
        return None
    return SAMPLE_NOTICE.format(name=SAMPLE_NAME)


@dataclass
class NewIdentity:
    name: str
    old_uuid: str
    new_uuid: str
    activities: int  # the owner's entries, each with a new UUID
    evidence: int  # their pieces of evidence, each with a new UUID
    follow_ups: int = 0  # their follow-ups, each with a new UUID

    def as_dict(self) -> dict:
        return asdict(self)


def new_identity(conn: sqlite3.Connection) -> NewIdentity:
    """Give the owner a new supervisor UUID, and each of the owner's entries (those under the
    owner or under no one, as export counts them), their evidence and follow-ups new UUIDs, in one
    transaction. Texts, dates and ``updated_at`` stay as they are; the rows' ids too, so entry
    numbers do not change. Other supervisors' entries (in a group's database) are not touched."""
    try:
        return _new_identity(conn)
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"เปลี่ยนตัวตนไม่สำเร็จ ({exc}) — ไม่มีการเปลี่ยนแปลงใด ๆ; ตรวจด้วย 'nitet doctor' แล้วลองใหม่"
        ) from exc


#: The tables whose rows of the owner's entries get new UUIDs: the entries (``a``) and the rows
#: that hang on them, each with how its ids are read.
_RE_KEYED = {
    "activities": "a.id FROM activities a",
    "evidence": "x.id FROM evidence x JOIN activities a ON a.id = x.activity_id",
    "follow_ups": "x.id FROM follow_ups x JOIN activities a ON a.id = x.activity_id",
}


def _new_identity(conn: sqlite3.Connection) -> NewIdentity:
    with transaction(conn):
        row = conn.execute("SELECT id, uuid, name FROM supervisors WHERE is_self = 1").fetchone()
        if row is None:
            raise NotFoundError("ฐานข้อมูลนี้ยังไม่มีเจ้าของ (โปรไฟล์) — สร้างด้วย 'nitet init' หรือ 'nitet manual load' ก่อน")
        new_uuid = str(uuid.uuid4())
        conn.execute("UPDATE supervisors SET uuid = ?, updated_at = ? WHERE id = ?", (new_uuid, now_iso(), row["id"]))
        counts = {}
        for table, rows in _RE_KEYED.items():
            ids = [
                r[0]
                for r in conn.execute(
                    f"SELECT {rows} WHERE a.supervisor_id = ? OR a.supervisor_id IS NULL", (row["id"],)
                )
            ]
            conn.executemany(f"UPDATE {table} SET uuid = ? WHERE id = ?", [(str(uuid.uuid4()), i) for i in ids])
            counts[table] = len(ids)
    return NewIdentity(
        row["name"], row["uuid"], new_uuid, counts["activities"], counts["evidence"], counts["follow_ups"]
    )
