"""Issue 9, import and merge: nothing credited to the wrong person, deletions travel, and no
file from outside gets a traceback or unbounded work.

- item 5: import and merge never change the database owner's own profile;
- item 6: two people under one supervisor UUID are refused, and `nitet profile new-identity`
  gives a copied database its own identity;
- item 7: a piece of evidence never moves to another entry;
- item 8: deletions travel (m008, exchange format version 2; version-1 files still import);
- smaller holes: imported dates and standards follow `log`'s rules, integers too large for
  SQLite, JSON nested 100,000 deep, an export.json padded past the cap, a killed zip import,
  a WAL beside a source in a read-only folder.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import Nitet
from exchange_data import manual_for, query, store_files, supervisor_db
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import nitet_cli
from nitet_cli.errors import EXIT_DATABASE, EXIT_INPUT, InputError
from nitet_cli.exchange import VERSION, check_export
from nitet_cli.exchange import files as exchange_files

MALI = "นางสาวมาลี ใจดี"
SOMCHAI = "นายสมชาย รักเรียน"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def mali(env: Path, visits: int = 2) -> Nitet:
    return supervisor_db(env / "mali" / "nitet.db", MALI, env / "work-a", visits=visits)


def somchai(env: Path, visits: int = 1) -> Nitet:
    return supervisor_db(env / "somchai" / "nitet.db", SOMCHAI, env / "work-b", visits=visits)


def fresh(env: Path, name: str = "target") -> Nitet:
    nitet = Nitet(env / name / "nitet.db")
    nitet.db_path.parent.mkdir(parents=True, exist_ok=True)
    nitet("init")
    return nitet


def edit(db: Path, sql: str, params=()) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def by_supervisor(result: dict) -> dict:
    return {c["name"]: c for c in result["per_supervisor"]}


def owner(db: Path) -> list[tuple]:
    return query(db, "SELECT * FROM supervisors WHERE is_self = 1")


# --- item 5: the owner's own profile ------------------------------------------------------------


def test_import_and_merge_never_change_the_owners_own_profile(env):
    """A file or a database that claims the owner's UUID with a newer profile (an old laptop, a
    file someone edited) does not rewrite the name and position on the owner's documents."""
    a = mali(env)
    before = owner(a.db_path)
    own = env / "mali.json"
    a("export", "-o", own)
    data = json.loads(own.read_text(encoding="utf-8"))
    data["supervisors"][0]["position"] = "ครูผู้ช่วย (แก้ในไฟล์)"
    data["supervisors"][0]["updated_at"] = "2099-01-01T00:00:00+00:00"
    own.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    result = a.json("import", own)
    assert owner(a.db_path) == before
    assert result["supervisors_updated"] == 0
    assert [(c["kind"], c["kept"], c["fields"]) for c in result["conflicts"]] == [("supervisor", "owner", ["position"])]
    assert "คงโปรไฟล์ของเจ้าของฐานข้อมูลไว้" in a("import", own).stdout

    laptop = env / "laptop" / "nitet.db"
    laptop.parent.mkdir()
    a("backup", laptop)
    edit(
        laptop,
        "UPDATE supervisors SET position = 'ตำแหน่งในเครื่องเก่า', updated_at = '2099-01-01T00:00:00+00:00' WHERE is_self = 1",
    )
    result = a.json("merge", laptop)
    assert owner(a.db_path) == before
    assert result["supervisors_updated"] == 0 and result["conflicts"][0]["kept"] == "owner"


# --- item 6: two people, one supervisor UUID ----------------------------------------------------


def copied_colleague(env: Path, a: Nitet) -> Nitet:
    """Somchai starts from a copy of Mali's database, puts his own name on it and logs a visit."""
    path = env / "somchai-copy" / "nitet.db"
    path.parent.mkdir()
    a("backup", path)
    b = Nitet(path)
    b("manual", "load", manual_for(SOMCHAI, env))
    b("log-visit", "-s", "57010001", "--standard", "7.3", "-t", "นิเทศของสมชาย", "--date", "2026-11-20")
    return b


def test_two_people_under_one_supervisor_uuid_are_refused(env):
    a = mali(env)
    b = copied_colleague(env, a)
    assert owner(a.db_path)[0][1] == owner(b.db_path)[0][1]  # the same UUID, two names

    into = env / "group" / "group.db"
    into.parent.mkdir()
    result = Nitet(into)("merge", a.db_path, b.db_path, "--into", into, ok=False)
    assert result.exit_code == EXIT_INPUT and "Traceback" not in result.output
    assert "profile new-identity" in result.stderr and MALI in result.stderr and SOMCHAI in result.stderr
    assert not into.exists()

    snapshot = a.snapshot()  # the colleague's copy into the owner's own database
    result = a("merge", b.db_path, ok=False)
    assert result.exit_code == EXIT_INPUT and "เจ้าของฐานข้อมูลนี้" in result.stderr
    export = env / "somchai.json"
    b("export", "-o", export)
    result = a("import", export, ok=False)
    assert result.exit_code == EXIT_INPUT and "profile new-identity" in result.stderr
    assert a.snapshot() == snapshot

    Nitet(into)("merge", a.db_path, "--into", into)  # last week: Mali alone
    snapshot = Nitet(into).snapshot()
    result = Nitet(into)("merge", b.db_path, "--into", into, ok=False)  # this week: the copy
    assert result.exit_code == EXIT_INPUT and "ฐานข้อมูลปลายทาง" in result.stderr
    assert Nitet(into).snapshot() == snapshot


def test_a_copy_given_its_own_identity_merges_as_a_second_person(env):
    a = mali(env)
    b = copied_colleague(env, a)
    mali_before = query(a.db_path, "SELECT uuid, title, updated_at FROM activities ORDER BY id")
    b_rows = query(b.db_path, "SELECT id, uuid, title, date, updated_at FROM activities ORDER BY id")
    b_evidence = query(b.db_path, "SELECT id, uuid, sha256, url FROM evidence ORDER BY id")
    old_uuid = owner(b.db_path)[0][1]

    result = b.json("profile", "new-identity", "--yes")
    assert result["old_uuid"] == old_uuid and result["new_uuid"] == owner(b.db_path)[0][1] != old_uuid
    assert result["name"] == SOMCHAI and result["activities"] == len(b_rows) and result["evidence"] == len(b_evidence)
    after = query(b.db_path, "SELECT id, uuid, title, date, updated_at FROM activities ORDER BY id")
    assert [(r[0], *r[2:]) for r in after] == [(r[0], *r[2:]) for r in b_rows]  # same entries, numbers, texts, versions
    assert not {r[1] for r in after} & {r[1] for r in b_rows}  # every entry has a new UUID
    evidence = query(b.db_path, "SELECT id, uuid, sha256, url FROM evidence ORDER BY id")
    assert [(r[0], *r[2:]) for r in evidence] == [(r[0], *r[2:]) for r in b_evidence]
    assert not {r[1] for r in evidence} & {r[1] for r in b_evidence}

    into = env / "group" / "group.db"
    into.parent.mkdir()
    merged = Nitet(into).json("merge", a.db_path, b.db_path, "--into", into)
    counts = by_supervisor(merged)
    assert counts[MALI]["total"] == len(mali_before) and counts[SOMCHAI]["total"] == len(b_rows)
    assert merged["conflicts"] == []
    assert query(a.db_path, "SELECT uuid, title, updated_at FROM activities ORDER BY id") == mali_before


def test_new_identity_is_one_transaction_and_asks_first(env):
    a = mali(env)
    a("merge", somchai(env).db_path)  # a colleague's entries in this database keep their UUIDs
    others = query(
        a.db_path, "SELECT a.uuid FROM activities a JOIN supervisors s ON s.id = a.supervisor_id WHERE s.is_self = 0"
    )
    assert others
    snapshot = a.snapshot()
    result = a("profile", "new-identity", ok=False)  # no terminal, no --yes
    assert result.exit_code == EXIT_INPUT and "--yes" in result.stderr
    assert a.snapshot() == snapshot

    conn = sqlite3.connect(a.db_path)
    conn.execute(
        "CREATE TRIGGER refuse_evidence BEFORE UPDATE OF uuid ON evidence BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    conn.commit()
    conn.close()
    snapshot = a.snapshot()
    result = a("profile", "new-identity", "--yes", ok=False)
    assert result.exit_code == EXIT_DATABASE and "disk full" in result.stderr and "Traceback" not in result.output
    assert a.snapshot() == snapshot  # the supervisor and the entries were re-keyed in the same transaction: all undone

    edit(a.db_path, "DROP TRIGGER refuse_evidence")
    a("profile", "new-identity", "--yes")
    assert (
        query(
            a.db_path,
            "SELECT a.uuid FROM activities a JOIN supervisors s ON s.id = a.supervisor_id WHERE s.is_self = 0",
        )
        == others
    )


# --- item 7: evidence never changes its entry -----------------------------------------------


def test_evidence_arriving_under_another_entry_is_refused(env):
    a = mali(env)
    t = fresh(env)
    archive = env / "a.zip"
    a("export", "-o", archive)
    t("import", archive)
    data = json.loads(a("export").stdout)
    first, second = data["activities"][0], data["activities"][1]
    stolen = next(e for e in second["evidence"] if e["kind"] == "link")
    first["evidence"].append(stolen)  # evidence of the second entry, now under the first (a newer version)
    second["evidence"].remove(stolen)
    first["updated_at"] = second["updated_at"] = "2099-01-01T00:00:00+00:00"
    path = env / "moved.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    snapshot = t.snapshot()
    result = t("import", path, ok=False)
    assert result.exit_code == EXIT_INPUT and "Traceback" not in result.output
    assert stolen["uuid"] in result.stderr and "evidence add" in result.stderr
    assert t.snapshot() == snapshot
    assert query(
        t.db_path,
        "SELECT a.uuid FROM evidence e JOIN activities a ON a.id = e.activity_id WHERE e.uuid = ?",
        (stolen["uuid"],),
    ) == [(second["uuid"],)]

    new_entry = dict(
        first, uuid="0c4f0a4e-8b57-4d6b-9d0e-3f0f4b6f0c11", title="รายการใหม่ที่อ้างหลักฐานเดิม", evidence=[stolen]
    )
    path.write_text(json.dumps({**data, "activities": [new_entry]}, ensure_ascii=False), encoding="utf-8")
    result = t("import", path, ok=False)
    assert result.exit_code == EXIT_INPUT and t.snapshot() == snapshot


def test_two_sources_with_one_evidence_under_two_entries_are_refused(env):
    a = mali(env)
    other = env / "mali-other" / "nitet.db"
    other.parent.mkdir()
    a("backup", other)
    rows = query(other, "SELECT id, uuid, activity_id FROM evidence WHERE kind = 'link' ORDER BY id")
    (first_id, first_uuid, _), (second_id, _, _) = rows[0], rows[1]
    edit(other, "UPDATE evidence SET uuid = '5a0c7a56-5d3b-4a4e-8a0e-9c7a3f0f0b01' WHERE id = ?", (first_id,))
    edit(other, "UPDATE evidence SET uuid = ? WHERE id = ?", (first_uuid, second_id))
    into = env / "group" / "group.db"
    into.parent.mkdir()
    result = Nitet(into)("merge", a.db_path, other, "--into", into, ok=False)
    assert result.exit_code == EXIT_INPUT and first_uuid in result.stderr
    assert not into.exists()


# --- item 8: deletions travel -------------------------------------------------------------------


def test_deletions_travel_through_merge(env):
    a, b = mali(env, visits=3), somchai(env)
    into = env / "group" / "group.db"
    into.parent.mkdir()
    group = Nitet(into)
    group("merge", a.db_path, b.db_path, "--into", into)
    visits_before = group.json("status")["totals"]["activities"]
    entry_id, entry_uuid = query(a.db_path, "SELECT id, uuid FROM activities ORDER BY id LIMIT 1")[0]
    photo = query(a.db_path, "SELECT sha256 FROM evidence WHERE activity_id = ? AND kind = 'file'", (entry_id,))[0][0]
    a("delete", entry_id, "--yes")
    deletion = query(a.db_path, "SELECT uuid, kind, deleted_by, activity FROM deletions")
    assert deletion == [(entry_uuid, "activity", owner(a.db_path)[0][1], None)]

    result = group("merge", a.db_path, b.db_path, "--into", into)
    assert f"{MALI}: เพิ่ม 0, ปรับปรุง 0, เหมือนเดิม 3, ลบ 1 — รวม 3 กิจกรรม" in result.stdout
    assert "กิจกรรม: เพิ่ม 0, ปรับปรุง 0, ลบ 1, เหมือนเดิม 5;" in result.stdout
    assert query(into, "SELECT count(*) FROM activities WHERE uuid = ?", (entry_uuid,)) == [(0,)]
    assert query(into, "SELECT uuid, kind, deleted_by FROM deletions") == [
        (entry_uuid, "activity", owner(a.db_path)[0][1])
    ]
    assert group.json("status")["totals"]["activities"] == visits_before - 1
    assert not any(name.endswith(photo) for name in store_files(into))  # no other entry used that photo
    assert "ไม่พบปัญหา" in group("doctor").output

    again = group.json("merge", a.db_path, b.db_path, "--into", into)
    assert again["changed"] is False and again["activities_deleted"] == 0


def test_deletions_travel_through_export_and_import(env):
    a = mali(env)
    t = fresh(env)
    archive = env / "a.zip"
    a("export", "-o", archive)
    t("import", archive)
    rows = query(a.db_path, "SELECT id, uuid FROM activities ORDER BY id")
    a("delete", rows[0][0], "--yes")
    link_id, link_uuid = query(
        a.db_path, "SELECT id, uuid FROM evidence WHERE activity_id = ? AND kind = 'link'", (rows[1][0],)
    )[0]
    a("evidence", "remove", link_id, "--yes")

    data = json.loads(a("export").stdout)
    assert data["version"] == 2
    deletions = {d["uuid"]: d for d in data["deletions"]}
    assert deletions[rows[0][1]]["kind"] == "activity" and deletions[rows[0][1]]["activity"] is None
    assert deletions[link_uuid]["kind"] == "evidence" and deletions[link_uuid]["activity"] == rows[1][1]
    assert all(d["deleted_by"] == owner(a.db_path)[0][1] and d["deleted_at"] for d in data["deletions"])
    # Only the record of the removed evidence, not its entry's new version: the deletion alone removes it.
    data["activities"] = [x for x in data["activities"] if x["uuid"] != rows[1][1]]
    path = env / "deletions.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = t.json("import", path)
    assert (result["activities_deleted"], result["evidence_deleted"], result["changed"]) == (1, 1, True)
    assert query(t.db_path, "SELECT count(*) FROM activities WHERE uuid = ?", (rows[0][1],)) == [(0,)]
    assert query(t.db_path, "SELECT count(*) FROM evidence WHERE uuid = ?", (link_uuid,)) == [(0,)]
    assert sorted(query(t.db_path, "SELECT uuid FROM deletions")) == sorted((u,) for u in deletions)
    assert "ไม่มีอะไรเปลี่ยน" in t("import", path).stdout
    assert "ไม่นำกลับ 1 กิจกรรม" in t("import", archive).stdout  # the old archive does not bring it back


def test_an_older_copy_does_not_bring_deleted_work_back(env):
    a = mali(env)
    t = fresh(env)
    archive = env / "a.zip"
    a("export", "-o", archive)
    t("import", archive)
    gone = query(t.db_path, "SELECT id, uuid FROM activities ORDER BY id LIMIT 1")[0]
    t("delete", gone[0], "--yes")
    snapshot = t.snapshot()
    result = t("import", archive)  # last month's file again
    assert "ไม่นำกลับ 1 กิจกรรมที่ถูกลบไปแล้ว" in result.stdout and "ไม่มีอะไรเปลี่ยน" in result.stdout
    assert t.snapshot() == snapshot


def test_an_edit_newer_than_a_deletion_is_a_conflict_not_lost(env):
    a = mali(env)
    t = fresh(env)
    archive = env / "a.zip"
    a("export", "-o", archive)
    t("import", archive)
    (x_id, x_uuid), (y_id, y_uuid) = query(a.db_path, "SELECT id, uuid FROM activities ORDER BY id LIMIT 2")

    # The file deletes X, but the target edited X after that deletion.
    a("delete", x_id, "--yes")
    edit(a.db_path, "UPDATE deletions SET deleted_at = '2026-11-24T08:00:00+00:00' WHERE uuid = ?", (x_uuid,))
    edit(
        t.db_path,
        "UPDATE activities SET title = 'แก้ไขหลังการลบ', updated_at = '2026-11-25T08:00:00+00:00' WHERE uuid = ?",
        (x_uuid,),
    )
    # The target deleted Y, but the file has Y edited after that deletion.
    t("delete", query(t.db_path, "SELECT id FROM activities WHERE uuid = ?", (y_uuid,))[0][0], "--yes")
    edit(t.db_path, "UPDATE deletions SET deleted_at = '2026-11-24T08:00:00+00:00' WHERE uuid = ?", (y_uuid,))
    edit(
        a.db_path,
        "UPDATE activities SET title = 'แก้ในต้นทางหลังการลบ', updated_at = '2026-11-25T08:00:00+00:00' WHERE id = ?",
        (y_id,),
    )
    path = env / "newer.zip"  # with the photo of Y, which the target's delete took out of its store
    a("export", "-o", path)

    result = t.json("import", path)
    conflicts = {c["key"]: c for c in result["conflicts"]}
    assert conflicts[x_uuid]["kept"] == "target" and conflicts[x_uuid]["deleted_in"] == str(path)
    assert conflicts[y_uuid]["kept"] == "source" and conflicts[y_uuid]["deleted_in"] == "ฐานข้อมูลปลายทาง"
    assert "แก้ไขหลังการลบ" in conflicts[x_uuid]["message"]
    titles = dict(query(t.db_path, "SELECT uuid, title FROM activities"))
    assert titles[x_uuid] == "แก้ไขหลังการลบ" and titles[y_uuid] == "แก้ในต้นทางหลังการลบ"
    assert query(t.db_path, "SELECT uuid FROM deletions WHERE uuid IN (?, ?)", (x_uuid, y_uuid)) == []
    assert result["activities_deleted"] == 0 and result["activities_added"] == 1
    assert "! กิจกรรม 'แก้ไขหลังการลบ'" in t("import", path).stdout  # reported again, until someone decides


def test_only_the_owner_deletes_the_owners_own_entries(env):
    """A group head's deletion in the group database does not travel back into a supervisor's
    own database; the supervisor's own deletion (made on another computer) does."""
    a = mali(env)
    group = fresh(env, "group")  # the group head's database, their own profile
    group("merge", a.db_path)
    x_uuid, z_uuid = [r[0] for r in query(a.db_path, "SELECT uuid FROM activities ORDER BY id LIMIT 2")]
    group("delete", query(group.db_path, "SELECT id FROM activities WHERE uuid = ?", (x_uuid,))[0][0], "--yes")
    from_group = env / "group.zip"
    group("export", "-o", from_group)
    entries = (
        query(a.db_path, "SELECT * FROM activities ORDER BY id"),
        query(a.db_path, "SELECT * FROM evidence ORDER BY id"),
    )
    result = a.json("import", from_group)
    assert result["activities_deleted"] == 0 and query(a.db_path, "SELECT count(*) FROM deletions") == [(0,)]
    assert (
        query(a.db_path, "SELECT * FROM activities ORDER BY id"),
        query(a.db_path, "SELECT * FROM evidence ORDER BY id"),
    ) == entries
    conflict = next(c for c in result["conflicts"] if c["key"] == x_uuid)
    assert conflict["kept"] == "owner" and "โดยผู้อื่น" in conflict["message"]

    laptop = env / "laptop" / "nitet.db"
    laptop.parent.mkdir()
    a("backup", laptop)
    Nitet(laptop)("delete", query(laptop, "SELECT id FROM activities WHERE uuid = ?", (z_uuid,))[0][0], "--yes")
    from_laptop = env / "laptop.json"
    Nitet(laptop)("export", "-o", from_laptop)
    assert a.json("import", from_laptop)["activities_deleted"] == 1
    assert query(a.db_path, "SELECT count(*) FROM activities WHERE uuid = ?", (z_uuid,)) == [(0,)]


def test_a_version_1_file_still_imports(env):
    """tests/fixtures/export_v1.json was written by nitet before deletions travelled (format version 1)."""
    v1 = FIXTURES / "export_v1.json"
    assert json.loads(v1.read_text(encoding="utf-8"))["version"] == 1
    t = fresh(env)
    result = t.json("import", v1)
    assert result["activities_added"] == 2 and result["conflicts"] == []
    assert sorted(r[0] for r in query(t.db_path, "SELECT title FROM activities")) == [
        "นิเทศการอ่าน (ไฟล์รุ่น 1)",
        "ประชุมสรุปผล (ไฟล์รุ่น 1)",
    ]
    assert json.loads(t("export").stdout)["version"] == VERSION == 2
    assert t.json("import", v1)["changed"] is False


# --- smaller holes: validated like `log`, bounded, no traceback ---------------------------------


@pytest.mark.parametrize(
    "key, value, where",
    [
        ("date", "9999-12-31", "activities[0].date"),
        ("date", "0001-01-01", "activities[0].date"),
        ("standards", [], "activities[0].standards"),
        ("teachers", 2**63, "activities[0].teachers"),
        ("teachers", 10**30, "activities[0].teachers"),
    ],
)
def test_import_refuses_what_log_refuses(env, key, value, where):
    a = mali(env, visits=1)
    data = json.loads(a("export").stdout)
    data["activities"][0][key] = value
    path = env / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    snapshot = a.snapshot()
    result = a("import", path, ok=False)
    assert result.exit_code == EXIT_INPUT and where in result.stderr
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert a.snapshot() == snapshot


THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def with_follow_up(data: dict, school: str) -> dict:
    """``data`` (an export) with one open follow-up of its first entry at ``school``."""
    data["follow_ups"] = [
        {
            "uuid": "3f2b8c9e-1d2a-4b7c-9e0f-123456789abc",
            "activity": data["activities"][0]["uuid"],
            "school": school,
            "text": "จัดมุมรักการอ่าน",
            "given_on": data["activities"][0]["date"],
            "status": "open",
        }
    ]
    return data


def test_school_codes_in_a_file_are_cleaned_as_school_import_cleans_them(env):
    """A code typed in Thai digits or with a zero-width space, a BOM or a direction mark inside
    it (as pasted from a web page) is stored as 'nitet school import' stores it: Arabic digits,
    nothing invisible, wherever the file names it (its schools, an entry's schools, a follow-up)."""
    a = mali(env, visits=1)
    data = json.loads(a("export").stdout)
    for activity in data["activities"]:  # a JSON file carries no photos: its links only
        activity["evidence"] = [e for e in activity["evidence"] if e["kind"] == "link"]
    first = data["activities"][0]["schools"][0]
    thai = first.translate(THAI_DIGITS)
    for s in data["schools"]:
        s["code"] = s["code"][:4].translate(THAI_DIGITS) + "\u200b" + s["code"][4:] + "\u200e"
    data["activities"][0]["schools"] = ["\ufeff" + c.translate(THAI_DIGITS) for c in data["activities"][0]["schools"]]
    path = env / "thai.json"
    path.write_text(json.dumps(with_follow_up(data, thai + "\u200b"), ensure_ascii=False), encoding="utf-8")

    t = fresh(env)
    result = t.json("import", path)
    assert result["schools_added"] == 4 and result["follow_ups_added"] == 1
    codes = sorted(r[0] for r in query(t.db_path, "SELECT code FROM schools"))
    assert codes == sorted(r[0] for r in query(a.db_path, "SELECT code FROM schools"))
    assert all(c.isascii() and c.isdigit() for c in codes)
    assert sorted(r[0] for r in query(t.db_path, "SELECT school_code FROM activity_schools")) == sorted(
        r[0] for r in query(a.db_path, "SELECT school_code FROM activity_schools")
    )
    assert query(t.db_path, "SELECT school_code FROM follow_ups") == [(first,)]
    # the same schools as the source's own: nothing new when the file comes back home
    again = a.json("import", path)
    assert (again["schools_added"], again["schools_updated"], again["activities_added"]) == (0, 0, 0)


@pytest.mark.parametrize(
    "place, where",
    [
        ("school", "schools[0].code"),
        ("activity", "activities[0].schools[0]"),
        ("follow_up", "follow_ups[0].school"),
    ],
)
def test_a_school_code_still_wrong_after_cleaning_is_shown_visibly(env, place, where):
    """A no-break space is not removed (it shows as a space): the code is refused with the
    space written as an escape, and nothing is written."""
    a = mali(env, visits=1)
    data = with_follow_up(json.loads(a("export").stdout), "57010001")
    bad = "5701\u00a00001"
    if place == "school":
        data["schools"][0]["code"] = bad
    elif place == "activity":
        data["activities"][0]["schools"][0] = bad
    else:
        data["follow_ups"][0]["school"] = bad
    path = env / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    t = fresh(env)
    snapshot = t.snapshot()
    result = t("import", path, ok=False)
    assert result.exit_code == EXIT_INPUT and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert where in result.stderr and "5701\\u00a00001" in result.stderr and "57010001" in result.stderr
    assert t.snapshot() == snapshot


def test_json_nested_100000_deep_is_one_sentence(env):
    t = fresh(env)
    path = env / "deep.json"
    path.write_text(
        '{"format": "nitet-export", "version": 2, "activities": ' + "[" * 100_000 + "]" * 100_000 + "}",
        encoding="utf-8",
    )
    result = t("import", path, ok=False)
    assert result.exit_code == EXIT_INPUT and "ลึกเกินไป" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_export_json_past_the_cap_is_refused_before_it_is_read(env, monkeypatch):
    """A .zip whose export.json unpacks to more than MAX_EXPORT_JSON (here lowered to 1 MB; 256 MB
    in use) is refused from the size the zip declares, without unpacking it; a .json likewise."""
    monkeypatch.setattr(exchange_files, "MAX_EXPORT_JSON", 1024 * 1024, raising=False)
    a = mali(env, visits=1)
    t = fresh(env)
    payload = a("export").stdout.rstrip() + " " * (3 * 1024 * 1024)  # still valid JSON: trailing spaces
    archive = env / "padded.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("export.json", payload)
    assert archive.stat().st_size < 100_000
    unpacked = []
    real_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = real_read(self, n)
        unpacked.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    snapshot = t.snapshot()
    result = t("import", archive, ok=False)
    assert result.exit_code == EXIT_INPUT and "1 MB" in result.stderr and "Traceback" not in result.output
    assert sum(unpacked) == 0
    assert t.snapshot() == snapshot

    plain = env / "padded.json"
    plain.write_text(payload, encoding="utf-8")
    result = t("import", plain, ok=False)
    assert result.exit_code == EXIT_INPUT and "1 MB" in result.stderr
    assert t.snapshot() == snapshot


HOLD_IMPORT = """
import sys, time
from pathlib import Path
from nitet_cli import evidence_store
real = evidence_store.sha256_of
def hold(path):
    digest = real(path)
    Path(sys.argv[3]).write_text(str(path))  # an evidence file has been unpacked and hashed
    time.sleep(600)
    return digest
evidence_store.sha256_of = hold
from nitet_cli.cli import app
app(["--db", sys.argv[1], "import", sys.argv[2]], prog_name="nitet")
"""


def test_a_killed_zip_import_leaves_no_photo_in_the_system_temp_folder(env):
    a = mali(env, visits=1)
    t = fresh(env)
    archive = env / "a.zip"
    a("export", "-o", archive)
    system_temp = env / "system-temp"
    system_temp.mkdir()
    signal_file = env / "unpacked"
    child_env = {**os.environ, "TMPDIR": str(system_temp), "PYTHONPATH": str(Path(nitet_cli.__file__).parents[1])}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_IMPORT, str(t.db_path), str(archive), str(signal_file)], env=child_env
    )
    try:
        while not signal_file.exists():  # waits for the child to reach the hook, not for a time
            assert proc.poll() is None, "the import ended before unpacking a file"
            time.sleep(0.05)
        unpacked_at = Path(signal_file.read_text())
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    assert [p for p in system_temp.rglob("*")] == []
    store = t.db_path.with_name("nitet-evidence")
    assert unpacked_at.is_relative_to(store)  # unpacked inside the target's own (private) store
    assert query(t.db_path, "SELECT count(*) FROM activities") == [(0,)]
    report = t.json("doctor", ok=False)
    leftovers = [p for p in report["problems"] if p["code"] == "stray_file"]
    assert leftovers and all("ขัดจังหวะ" in p["message"] for p in leftovers)

    t("import", archive)  # a whole import cleans up after itself
    assert not [p for p in store.iterdir() if p.name.startswith(".incoming-import-") and p != unpacked_at.parent]


def _read_only_folder(folder: Path):
    """Make ``folder`` read-only even for root (chattr +i) where chmod is not enough."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return lambda: folder.chmod(0o755)
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("running as root on a file system without chattr +i: a read-only folder cannot be made")
    return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_a_wal_beside_a_source_in_a_read_only_folder_is_read_not_called_damaged(env):
    a = mali(env, visits=1)
    shared = env / "shared"
    shared.mkdir()
    holder = sqlite3.connect(a.db_path)  # keeps the last write in the WAL (no checkpoint at close)
    try:
        holder.execute("PRAGMA wal_autocheckpoint = 0")
        holder.execute("SELECT count(*) FROM activities").fetchone()
        a("log", "7.4", "-k", "meeting", "-t", "บันทึกล่าสุดที่ยังอยู่ใน WAL", "--date", "2026-11-23")
        assert Path(f"{a.db_path}-wal").stat().st_size > 0
        shutil.copyfile(a.db_path, shared / "mali.db")
        shutil.copyfile(f"{a.db_path}-wal", shared / "mali.db-wal")
    finally:
        holder.close()
    shutil.copytree(a.db_path.with_name("nitet-evidence"), shared / "mali-evidence")
    before = sorted(p.name for p in shared.iterdir())
    undo = _read_only_folder(shared)
    try:
        into = env / "group" / "group.db"
        into.parent.mkdir()
        result = Nitet(into)("merge", shared / "mali.db", "--into", into, ok=False)
        assert result.exit_code == 0, result.output
        assert "บันทึกล่าสุดที่ยังอยู่ใน WAL" in [r[0] for r in query(into, "SELECT title FROM activities")]
        assert sorted(p.name for p in shared.iterdir()) == before  # the source folder untouched
        assert not [p for p in (env / "group" / "group-evidence").iterdir() if p.name.startswith(".incoming-")]
    finally:
        undo()


# --- the hostile suite's shapes: no input gives anything but one sentence ----------------------


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
_BASE = json.loads((FIXTURES / "export_v1.json").read_text(encoding="utf-8"))
_PATHS = [
    ("version",),
    ("supervisors", 0, "uuid"),
    ("supervisors", 0, "name"),
    ("schools", 0, "code"),
    ("activities", 0, "date"),
    ("activities", 0, "teachers"),
    ("activities", 0, "standards"),
    ("activities", 0, "evidence", 0, "size"),
    ("activities", 0, "evidence", 0, "url"),
    ("activities", 1, "updated_at"),
    ("deletions",),
    ("deletions", 0),
    ("deletions", 0, "deleted_at"),
    ("deletions", 0, "kind"),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(_PATHS), value=_JSON, version=st.sampled_from([1, 2]))
@example(path=("activities", 0, "date"), value="9999-12-31", version=2)
@example(path=("activities", 0, "teachers"), value=2**63, version=2)
@example(path=("activities", 0, "standards"), value=[], version=1)
@example(path=("deletions", 0), value={"uuid": "0c4f0a4e-8b57-4d6b-9d0e-3f0f4b6f0c11", "kind": "activity"}, version=2)
def test_any_shape_of_export_is_checked_or_refused_in_one_sentence(path, value, version):
    data = json.loads(json.dumps(_BASE))
    data["version"] = version
    data["deletions"] = [
        {"uuid": "7d6f5c1e-2b1a-4c3d-9e8f-0a1b2c3d4e5f", "kind": "activity", "deleted_at": "2026-11-01T00:00:00+00:00"}
    ]
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    try:
        checked = check_export(data)
    except InputError as exc:
        assert exc.message and "\n" not in exc.message
        return
    for a in checked["activities"]:  # what passes fits the rules of `log` and SQLite
        assert a["standards"] and 1900 <= int(a["date"][:4]) <= 2200
        assert a["teachers"] is None or 0 <= a["teachers"] < 2**63
        assert all(e["size"] is None or 0 <= e["size"] < 2**63 for e in a["evidence"])
    assert all(d["kind"] in ("activity", "evidence") for d in checked["deletions"])


@pytest.mark.parametrize("command", ["import", "merge"])
def test_a_fifo_or_device_as_the_source_is_one_sentence_not_a_hang(env, command):
    """Reading a FIFO's header would wait forever for a writer; /dev/zero never ends."""
    t = fresh(env)
    fifo = env / "source.db"
    os.mkfifo(fifo)
    for source in (fifo, Path("/dev/zero")):
        result = t(command, source, ok=False)
        assert result.exit_code == EXIT_INPUT, result.output
        assert "ไม่ใช่ไฟล์ธรรมดา" in result.stderr and "Traceback" not in result.output
