"""Import and merge from a computer whose clock is wrong: a time stamp years ahead.

The later ``updated_at`` wins a disagreement; a copy stamped "2031" used to win over the local
copy now and after every later local edit (an edit made today is older than 2031). A source's
stamp more than a day ahead of this computer's clock never wins over what the target has: the
local copy (or deletion) is kept and the user told, naming the entry and the date in Buddhist
Era; what the target lacks is added with those stamps replaced by the time of the import.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import Nitet
from exchange_data import be_year, far_future, imported_copy, not_ahead, query, supervisor_db

MALI = "นางสาวมาลี ใจดี"
NEW_UUID = "5b0a3c1e-7d2f-4e8a-9b6c-0d1e2f3a4b5c"


def row_id(nitet: Nitet, uuid: str) -> int:
    return query(nitet.db_path, "SELECT id FROM activities WHERE uuid = ?", (uuid,))[0][0]


def titles(nitet: Nitet) -> dict[str, str]:
    return dict(query(nitet.db_path, "SELECT uuid, title FROM activities"))


def test_import_from_a_clock_years_ahead_never_beats_a_local_edit_or_deletion(env):
    colleague = supervisor_db(env / "mali" / "nitet.db", MALI, env / "work", visits=3)
    archive = env / "mali.zip"
    target = imported_copy(colleague, env / "target" / "nitet.db", archive)
    ahead = far_future()
    data = json.loads(colleague("export").stdout)
    z = next(a for a in data["activities"] if not a["evidence"])  # its deletion here takes no photo away
    x, y, w = [a for a in data["activities"] if a is not z]

    # X: edited here today, and in the file on a computer whose clock says 2031.
    target("edit", row_id(target, x["uuid"]), "--title", "แก้ในเครื่องนี้วันนี้")
    x["title"], x["updated_at"] = "แก้ในเครื่องที่นาฬิกาเดินหน้า", ahead
    # Y: deleted in the file "in 2031"; this database does not know when that really was.
    data["activities"].remove(y)
    data["deletions"].append(
        {"uuid": y["uuid"], "kind": "activity", "deleted_at": ahead, "deleted_by": y["supervisor"], "activity": None}
    )
    # Z: deleted here; the file has it "edited in 2031".
    target("delete", row_id(target, z["uuid"]), "--yes")
    z["title"], z["updated_at"] = "แก้หลังการลบ (ตามนาฬิกาที่ผิด)", ahead
    # N: a new entry made on the wrong clock.
    n = {**w, "uuid": NEW_UUID, "title": "รายการใหม่จากเครื่องที่นาฬิกาเดินหน้า", "evidence": []}
    n["created_at"] = n["updated_at"] = ahead
    data["activities"].append(n)
    school = data["schools"][0]
    school["name"], school["updated_at"] = "ชื่อที่แก้บนเครื่องที่นาฬิกาเดินหน้า", ahead
    path = env / "ahead.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    result = target.json("import", path)
    now = titles(target)
    assert now[x["uuid"]] == "แก้ในเครื่องนี้วันนี้"  # the local edit is kept
    assert y["uuid"] in now and query(
        target.db_path, "SELECT count(*) FROM deletions WHERE uuid = ?", (y["uuid"],)
    ) == [(0,)]
    assert z["uuid"] not in now  # the local deletion is kept
    assert now[NEW_UUID] == n["title"]  # the colleague's new work is not dropped
    stamps = query(target.db_path, "SELECT created_at, updated_at FROM activities WHERE uuid = ?", (NEW_UUID,))[0]
    assert all(not_ahead(s) for s in stamps)
    assert result["activities_added"] == 1 and result["activities_updated"] == 0 and result["activities_deleted"] == 0
    conflicts = {c["key"]: c for c in result["conflicts"]}
    assert {k: (c["kept"], c.get("future")) for k, c in conflicts.items()} == {
        x["uuid"]: ("target", ahead),
        y["uuid"]: ("target", ahead),
        z["uuid"]: ("deleted", ahead),
        NEW_UUID: ("source", ahead),
        school["code"]: ("target", ahead),
    }
    assert query(target.db_path, "SELECT count(*) FROM schools WHERE name = ?", (school["name"],)) == [(0,)]
    for c in conflicts.values():  # each line names the entry and the date in Buddhist Era
        assert c["key"] in c["message"] and be_year(ahead) in c["message"] and "ยังมาไม่ถึง" in c["message"]

    # Edited here after the import: the same file again changes nothing here, and says why.
    target("edit", row_id(target, NEW_UUID), "--title", "แก้รายการใหม่ในเครื่องนี้")
    human = target("import", path).stdout
    now = titles(target)
    assert now[NEW_UUID] == "แก้รายการใหม่ในเครื่องนี้" and now[x["uuid"]] == "แก้ในเครื่องนี้วันนี้"
    assert z["uuid"] not in now and y["uuid"] in now
    assert f"! กิจกรรม 'แก้ในเครื่องที่นาฬิกาเดินหน้า' ({x['uuid']})" in human and be_year(ahead) in human


def test_merge_from_a_laptop_whose_clock_is_years_ahead_keeps_the_desktops_edits(env):
    desk = supervisor_db(env / "desk" / "nitet.db", MALI, env / "work", visits=2)
    laptop_path = env / "laptop" / "nitet.db"
    laptop_path.parent.mkdir()
    desk("backup", laptop_path)
    laptop = Nitet(laptop_path)
    (x, x_uuid), (y, y_uuid) = query(desk.db_path, "SELECT id, uuid FROM activities ORDER BY id LIMIT 2")
    ahead = far_future(4)

    # On the laptop (clock in the future): X edited, Y deleted, a new entry logged.
    laptop("delete", y, "--yes")
    laptop("log", "7.4", "--title", "ประชุมบนโน้ตบุ๊ก", "--kind", "meeting")
    conn = sqlite3.connect(laptop_path)
    with conn:
        conn.execute("UPDATE activities SET title = 'แก้บนโน้ตบุ๊ก', updated_at = ? WHERE id = ?", (ahead, x))
        conn.execute("UPDATE activities SET created_at = ?, updated_at = ? WHERE title = 'ประชุมบนโน้ตบุ๊ก'", (ahead,) * 2)
        conn.execute("UPDATE deletions SET deleted_at = ?", (ahead,))
    conn.close()
    new_uuid = query(laptop_path, "SELECT uuid FROM activities WHERE title = 'ประชุมบนโน้ตบุ๊ก'")[0][0]
    # On the desktop (right clock), X edited today.
    desk("edit", x, "--title", "แก้บนเครื่องตั้งโต๊ะวันนี้")

    result = desk.json("merge", laptop_path)
    now = titles(desk)
    assert now[x_uuid] == "แก้บนเครื่องตั้งโต๊ะวันนี้" and y_uuid in now and now[new_uuid] == "ประชุมบนโน้ตบุ๊ก"
    assert query(desk.db_path, "SELECT count(*) FROM deletions") == [(0,)]
    conflicts = {c["key"]: c for c in result["conflicts"]}
    assert {k: (c["kept"], c.get("future")) for k, c in conflicts.items()} == {
        x_uuid: ("target", ahead),
        y_uuid: ("target", ahead),
        new_uuid: ("source", ahead),
    }
    assert all(not_ahead(s) for s in query(desk.db_path, "SELECT created_at, updated_at FROM activities")[0])
    assert all(be_year(ahead) in c["message"] for c in conflicts.values())

    # The desktop edits the new entry; merging the laptop again keeps that edit.
    desk(
        "edit",
        query(desk.db_path, "SELECT id FROM activities WHERE uuid = ?", (new_uuid,))[0][0],
        "--title",
        "แก้บนเครื่องตั้งโต๊ะ",
    )
    human = desk("merge", laptop_path).stdout
    assert titles(desk)[new_uuid] == "แก้บนเครื่องตั้งโต๊ะ" and titles(desk)[x_uuid] == "แก้บนเครื่องตั้งโต๊ะวันนี้"
    assert "ยังมาไม่ถึง" in human and "ประชุมบนโน้ตบุ๊ก" in human


def test_a_stamp_a_few_hours_ahead_is_believed(env, tmp_path: Path):
    """Two computers' clocks a little apart are not a wrong clock: the later edit still wins."""
    colleague = supervisor_db(env / "mali" / "nitet.db", MALI, env / "work", visits=1)
    archive = env / "mali.zip"
    target = imported_copy(colleague, env / "target" / "nitet.db", archive)
    data = json.loads(colleague("export").stdout)
    entry = data["activities"][0]
    entry["title"] = "แก้ในเครื่องที่นาฬิกาเร็วไปสามชั่วโมง"
    entry["updated_at"] = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat(timespec="seconds")
    path = tmp_path / "ahead.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = target.json("import", path)
    assert [(c["kept"], c.get("future")) for c in result["conflicts"]] == [("source", None)]
    assert titles(target)[entry["uuid"]] == entry["title"]
