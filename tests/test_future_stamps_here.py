"""Time stamps from a wrong clock that are already in a database (written before import and merge
refused to keep them, or by this computer while its own clock was wrong).

Deleting such an entry used to give the deletion the entry's own stamp ("2031"): every other
database then took the deletion for a wrong clock's and never applied it. A deletion is now
stamped with the time it was made (or the copy's last edit when that is later but believable:
two clocks a few hours apart), and a copy stamped more than a day ahead, in a source or in the
target, never counts as edited after a deletion: both databases end with the entry deleted,
whichever way the deletion travels. ``nitet doctor`` names every such stamp.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from conftest import Nitet
from exchange_data import be_year, far_future, imported_copy, not_ahead, query, supervisor_db

MALI = "นางสาวมาลี ใจดี"


def set_stamp(db: Path, uuid: str, stamp: str) -> None:
    """``updated_at`` of entry ``uuid`` as a wrong clock (or an import before the rule) left it."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("UPDATE activities SET updated_at = ? WHERE uuid = ?", (stamp, uuid))
    conn.close()


def entry(nitet: Nitet, uuid: str) -> int | None:
    rows = query(nitet.db_path, "SELECT id FROM activities WHERE uuid = ?", (uuid,))
    return rows[0][0] if rows else None


def deleted_at(nitet: Nitet, uuid: str) -> str | None:
    rows = query(nitet.db_path, "SELECT deleted_at FROM deletions WHERE uuid = ?", (uuid,))
    return rows[0][0] if rows else None


def test_deleting_an_entry_stamped_ahead_travels_through_export_and_import(env):
    mali = supervisor_db(env / "mali" / "nitet.db", MALI, env / "work", visits=2)
    archive = env / "mali.zip"
    group = imported_copy(mali, env / "group" / "group.db", archive)
    ahead = far_future()
    (x,), (y,) = query(mali.db_path, "SELECT uuid FROM activities ORDER BY id LIMIT 2")
    for db in (mali.db_path, group.db_path):  # both copies carry the wrong clock's stamp
        set_stamp(db, x, ahead)
        set_stamp(db, y, ahead)

    mali("delete", entry(mali, x), "--yes")
    evidence_id = query(
        mali.db_path,
        "SELECT e.id FROM evidence e JOIN activities a ON a.id = e.activity_id WHERE a.uuid = ? AND e.kind = 'file'",
        (y,),
    )[0][0]
    mali("evidence", "remove", evidence_id, "--yes")
    evidence_uuid = query(mali.db_path, "SELECT uuid FROM deletions WHERE kind = 'evidence'")[0][0]
    assert not_ahead(deleted_at(mali, x)) and not_ahead(deleted_at(mali, evidence_uuid))

    mali("export", "-o", archive)
    result = group.json("import", archive)
    assert entry(group, x) is None and entry(group, y) is not None
    assert query(group.db_path, "SELECT count(*) FROM evidence WHERE uuid = ?", (evidence_uuid,)) == [(0,)]
    assert deleted_at(group, x) == deleted_at(mali, x)  # recorded here too: it travels on
    assert result["activities_deleted"] == 1 and result["evidence_deleted"] == 1
    reported = {c["key"]: c for c in result["conflicts"] if c.get("future_in")}
    assert set(reported) == {x, evidence_uuid}
    for c in reported.values():
        assert c["kept"] == "deleted" and c["future"] == ahead
        assert c["key"] in c["message"] and be_year(ahead) in c["message"] and "ยังมาไม่ถึง" in c["message"]

    # The same file again changes nothing; the group's old copy of X never comes back to Mali.
    again = group.json("import", archive)
    assert again["activities_deleted"] == 0 and entry(group, x) is None
    group("export", "-o", env / "group.zip")
    mali("import", env / "group.zip")
    assert entry(mali, x) is None


def test_deleting_an_entry_stamped_ahead_travels_through_merge(env):
    desk = supervisor_db(env / "desk" / "nitet.db", MALI, env / "work", visits=2)
    laptop_path = env / "laptop" / "nitet.db"
    laptop_path.parent.mkdir()
    desk("backup", laptop_path)
    laptop = Nitet(laptop_path)
    (x,) = query(desk.db_path, "SELECT uuid FROM activities ORDER BY id LIMIT 1")[0]
    ahead = far_future(3)
    for db in (desk.db_path, laptop_path):
        set_stamp(db, x, ahead)

    laptop("delete", entry(laptop, x), "--yes")
    assert not_ahead(deleted_at(laptop, x))
    result = desk.json("merge", laptop_path)
    assert entry(desk, x) is None and result["activities_deleted"] == 1
    (c,) = [c for c in result["conflicts"] if c["key"] == x]
    assert (c["kept"], c["future"]) == ("deleted", ahead) and be_year(ahead) in c["message"]
    back = laptop.json("merge", desk.db_path)  # and back: it stays deleted, nothing to say about it
    assert entry(laptop, x) is None and back["activities_added"] == 0
    assert all(c["key"] != x for c in back["conflicts"])


def test_a_deletion_of_a_copy_a_few_hours_ahead_still_wins_over_that_copy(env):
    """Two clocks a few hours apart: the deletion takes the copy's stamp, so the copy it removed
    (imported again from where it came) stays deleted without a word."""
    mali = supervisor_db(env / "mali" / "nitet.db", MALI, env / "work", visits=1)
    group = Nitet(env / "group" / "group.db")
    group.db_path.parent.mkdir()
    group("init")
    (x,) = query(mali.db_path, "SELECT uuid FROM activities ORDER BY id LIMIT 1")[0]
    soon = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat(timespec="seconds")
    set_stamp(mali.db_path, x, soon)
    path = env / "mali.zip"
    mali("export", "-o", path)
    group("import", path)
    group("delete", entry(group, x), "--yes")
    assert deleted_at(group, x) == soon
    result = group.json("import", path)
    assert entry(group, x) is None and result["activities_stay_deleted"] == 1 and result["conflicts"] == []


# --- nitet doctor names the stamps ahead, and --fix sets them to now ------------------------------


def stamps(db: Path) -> dict[str, list[tuple]]:
    """Every stamp column that decides who wins, by table."""
    return {
        "activities": query(db, "SELECT id, created_at, updated_at FROM activities ORDER BY id"),
        "follow_ups": query(db, "SELECT id, created_at, updated_at FROM follow_ups ORDER BY id"),
        "schools": query(db, "SELECT code, created_at, updated_at FROM schools ORDER BY code"),
        "supervisors": query(db, "SELECT uuid, updated_at FROM supervisors ORDER BY uuid"),
        "deletions": query(db, "SELECT uuid, deleted_at FROM deletions ORDER BY uuid"),
    }


def without_stamps(nitet: Nitet) -> dict:
    """Every row of every table but the stamp columns: what --fix must leave as it was."""
    conn = sqlite3.connect(nitet.db_path)
    try:
        out = {}
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])")]
            kept = [c for c in columns if c not in ("created_at", "updated_at", "deleted_at")]
            out[table] = conn.execute(f"SELECT {', '.join(kept)} FROM [{table}] ORDER BY 1").fetchall()
        return out
    finally:
        conn.close()


def test_doctor_names_stamps_ahead_of_the_clock_and_fix_sets_them_to_now(env):
    mali = supervisor_db(env / "mali" / "nitet.db", MALI, env / "work", visits=3)
    mali("log-visit", "-s", "57010001", "--title", "นิเทศติดตาม", "--follow-up", "ทำแผนนิเทศภายใน")
    (gone,) = query(mali.db_path, "SELECT id FROM activities ORDER BY id LIMIT 1")[0]
    mali("delete", gone, "--yes")
    ahead, soon = far_future(), (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat(timespec="seconds")
    (x, x_title), (y, _) = query(mali.db_path, "SELECT id, title FROM activities ORDER BY id LIMIT 2")
    conn = sqlite3.connect(mali.db_path)
    with conn:  # as a wrong clock (or an import before the rule) left them
        conn.execute("UPDATE activities SET updated_at = ? WHERE id = ?", (ahead, x))
        conn.execute("UPDATE activities SET updated_at = ? WHERE id = ?", (soon, y))  # a few hours: believed
        conn.execute("UPDATE follow_ups SET updated_at = ?", (ahead,))
        conn.execute("UPDATE schools SET updated_at = ? WHERE code = '57010001'", (ahead,))
        conn.execute("UPDATE deletions SET deleted_at = ?", (ahead,))
    conn.close()
    (follow_up,) = query(mali.db_path, "SELECT id FROM follow_ups")[0]
    (deleted,) = query(mali.db_path, "SELECT uuid FROM deletions")[0]

    report = mali.json("doctor")  # warnings: nothing is lost, exit 0
    found = {(p["table"], p["key"]): p for p in report["problems"] if p["code"] == "future_stamp"}
    assert set(found) == {("activities", x), ("follow_ups", follow_up), ("schools", "57010001"), ("deletions", deleted)}
    assert report["ok"] and all(p["severity"] == "warning" and p["stamp"] == ahead for p in found.values())
    human = mali("doctor").stdout
    line = next(s for s in human.splitlines() if f"รายการที่ {x} " in s)
    assert x_title in line and be_year(ahead) in line and "ยังมาไม่ถึง" in line
    assert "nitet doctor --fix" in line and f"nitet edit {x}" in line
    assert be_year(ahead) in next(s for s in human.splitlines() if deleted in s)

    before, kept = stamps(mali.db_path), without_stamps(mali)
    fixed = mali.json("doctor", "--fix")
    assert not [p for p in fixed["problems"] if p["code"] == "future_stamp"]
    assert {(r["table"], r["key"], r["was"]) for r in fixed["restamped"]} == {
        ("activities", x, ahead),
        ("follow_ups", follow_up, ahead),
        ("schools", "57010001", ahead),
        ("deletions", deleted, ahead),
    }
    after = stamps(mali.db_path)
    assert without_stamps(mali) == kept  # nothing else changed, nothing deleted
    assert all(not_ahead(s) for rows in after.values() for row in rows for s in row[1:])
    changed = {(t, r[0]) for t in after for r, b in zip(after[t], before[t], strict=True) if r != b}
    assert changed == {("activities", x), ("follow_ups", follow_up), ("schools", "57010001"), ("deletions", deleted)}
    assert dict((r[0], r[2]) for r in after["activities"])[y] == soon
    assert "ยังมาไม่ถึง" not in mali("doctor").stdout


def test_a_deletion_doctor_fixed_then_travels(env):
    """A deletion stamped years ahead by the old rule: after 'doctor --fix' another database applies it."""
    mali = supervisor_db(env / "mali" / "nitet.db", MALI, env / "work", visits=1)
    archive = env / "mali.zip"
    group = imported_copy(mali, env / "group" / "group.db", archive)
    (x,) = query(mali.db_path, "SELECT uuid FROM activities ORDER BY id LIMIT 1")[0]
    mali("delete", entry(mali, x), "--yes")
    conn = sqlite3.connect(mali.db_path)
    with conn:
        conn.execute("UPDATE deletions SET deleted_at = ?", (far_future(),))
    conn.close()
    mali("export", "-o", archive)
    group("import", archive)
    assert entry(group, x) is not None  # a deletion from a wrong clock is not believed
    mali("doctor", "--fix")
    mali("export", "-o", archive)
    group("import", archive)
    assert entry(group, x) is None


RESET = "2000-01-01T00:00:05+00:00"  # a dead clock battery's date


def test_a_clock_reset_to_2000_judges_no_stamp_and_changes_nothing(env, monkeypatch):
    """With this computer's clock reset (2000), every true stamp looks years ahead of it: doctor must not
    call them wrong, doctor --fix must not set them to 2000 (colleagues' copies would then win every
    merge, deletions stamped 2000 never apply), and import and merge must not judge who wins by it."""
    mali = supervisor_db(env / "mali" / "nitet.db", MALI, env / "work", visits=2)
    malai = supervisor_db(env / "malai" / "nitet.db", "นางมาลัย ดีงาม", env / "work-b", visits=1, tag="b")
    archive = env / "malai.zip"
    malai("export", "-o", archive)
    before, kept = stamps(mali.db_path), without_stamps(mali)
    monkeypatch.setattr("nitet_cli.maintenance.now_iso", lambda: RESET)
    monkeypatch.setattr("nitet_cli.deletions.now_iso", lambda: RESET)

    report = json.loads(mali("doctor", "--fix", "--json", ok=False).stdout)
    (clock,) = [p for p in report["problems"] if p["code"] == "wrong_clock"]
    assert clock["severity"] == "error" and "2543" in clock["message"] and "ตั้งวันเวลา" in clock["message"]
    assert not [p for p in report["problems"] if p["code"] == "future_stamp"] and not report["restamped"]
    for args in (["import", archive], ["merge", malai.db_path]):
        refused = mali(*args, ok=False)
        assert refused.exit_code == 2 and "นาฬิกาของเครื่องนี้" in refused.stderr, refused.output
    assert stamps(mali.db_path) == before and without_stamps(mali) == kept
