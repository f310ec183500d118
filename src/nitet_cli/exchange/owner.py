"""Moving to a new computer: ``import --as-owner`` makes the export's owner this database's owner."""

from __future__ import annotations

import sqlite3

from nitet_cli.errors import InputError
from nitet_cli.exchange.files import Source
from nitet_cli.profile import ENDORSER_FIELDS, PROFILE_FIELDS


def export_owner(source: Source) -> dict:
    """The supervisor whose database the export came from (the file's ``owner``; a file from before
    ``owner`` was written: its only supervisor), or one sentence saying why there is none."""
    data = source.data
    people = {s["uuid"]: s for s in data["supervisors"]}
    if data.get("owner") is not None:
        return people[data["owner"]]
    if data.get("owner_stated"):  # the file says it had no owner: a group database
        raise InputError(
            f"{source.label} มาจากฐานข้อมูลที่ไม่มีเจ้าของ (ฐานข้อมูลรวมของกลุ่ม) — --as-owner ใช้กับไฟล์ที่ส่งออกจากฐานข้อมูลของคุณเอง"
        )
    if len(people) == 1:
        return next(iter(people.values()))
    raise InputError(
        f"{source.label} ไม่ได้ระบุว่าเป็นงานของใคร (ส่งออกด้วย nitet รุ่นเก่า มีศึกษานิเทศก์ {len(people)} คน)"
        " — ส่งออกใหม่จากเครื่องเดิมด้วย 'nitet export --with-evidence -o ย้ายเครื่อง.zip' แล้วนำเข้าไฟล์นั้น"
    )


def not_fresh(conn: sqlite3.Connection, owner_name: str) -> str | None:
    """Why this database cannot take the export's owner as its own (None: it can): it must be fresh —
    no activities, no other supervisor, and its owner still the bundled sample (or already the same name)."""
    from nitet_cli.profile import SAMPLE_NAME

    activities = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    if activities:
        return f"ฐานข้อมูลนี้มีกิจกรรมแล้ว {activities} รายการ"
    others = [r[0] for r in conn.execute("SELECT name FROM supervisors WHERE is_self = 0 ORDER BY id LIMIT 3")]
    if others:
        return f"ฐานข้อมูลนี้มีศึกษานิเทศก์คนอื่นแล้ว ({', '.join(others)})"
    row = conn.execute("SELECT name FROM supervisors WHERE is_self = 1").fetchone()
    if row is not None and row[0] not in (SAMPLE_NAME, owner_name):
        return f"ฐานข้อมูลนี้เป็นของ {row[0]} แล้ว"
    return None


def check_fresh(conn: sqlite3.Connection, owner_name: str) -> None:
    reason = not_fresh(conn, owner_name)
    if reason is not None:
        raise InputError(
            f"--as-owner ใช้ได้กับฐานข้อมูลใหม่เท่านั้น แต่{reason} — นำเข้าโดยไม่ใส่ --as-owner,"
            " หรือสร้างฐานข้อมูลใหม่ด้วย 'nitet --db ใหม่.db init' แล้วนำเข้าที่นั่น"
        )


def take_owner(conn: sqlite3.Connection, owner: dict) -> None:
    """Make the export's owner this database's owner, profile included (inside the caller's
    transaction, before ``apply_sources``): the owner's row takes the file's UUID, so that the
    owner's entries and deletions come in as the owner's own."""
    fields = (*PROFILE_FIELDS, *ENDORSER_FIELDS)
    row = conn.execute("SELECT id FROM supervisors WHERE is_self = 1").fetchone()
    values = (owner["uuid"], *(owner[k] for k in fields), owner["updated_at"])
    if row is None:
        conn.execute(
            f"INSERT INTO supervisors (uuid, {', '.join(fields)}, updated_at, is_self)"
            f" VALUES (?, {', '.join('?' for _ in fields)}, ?, 1)",
            values,
        )
    else:
        conn.execute(
            f"UPDATE supervisors SET uuid = ?, {', '.join(f'{k} = ?' for k in fields)}, updated_at = ? WHERE id = ?",
            (*values, row[0]),
        )
