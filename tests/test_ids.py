"""Issue 13 (4): an entry's, a piece of evidence's or a follow-up's number is never given twice.

A supervisor writes ``รายการที่ 24`` on paper; after ``nitet delete 24`` the next entry must
not be 24 again. Migration m011 rebuilds activities, evidence and follow_ups with
AUTOINCREMENT; it keeps every row, index, trigger, reference and the search index as they were.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from test_progress_speed_shape import assert_summary_is_a_recount

from nitet_cli import migrations
from nitet_cli.db import connect
from nitet_cli.errors import DatabaseError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _log(nitet, title: str, day: str = "2026-11-20") -> int:
    return int(nitet("log", "1.1", "--title", title, "--date", day).stdout.strip())


def test_a_deleted_entry_number_is_not_given_again(initialised):
    first, second, third = (_log(initialised, f"ประชุม {n}") for n in range(3))
    assert (first, second, third) == (1, 2, 3)
    initialised("delete", str(third), "--yes")
    assert _log(initialised, "ประชุมใหม่") == 4
    initialised("delete", "4", "--yes")
    initialised("delete", "2", "--yes")
    assert _log(initialised, "อีกครั้ง") == 5
    result = initialised("show", "3", ok=False)
    assert result.exit_code == 3  # 3 still names nothing, not the new entry


def test_a_removed_evidence_number_is_not_given_again(initialised, tmp_path):
    entry = _log(initialised, "ประชุม")
    photo = tmp_path / "ภาพ.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"x" * 100)
    ids = initialised("evidence", "add", str(entry), str(photo), "https://drive.google.com/a").stdout.split()
    assert ids == ["1", "2"]
    initialised("evidence", "remove", "2", "--yes")
    assert initialised("evidence", "add", str(entry), "https://drive.google.com/b").stdout.split() == ["3"]
    # Deleting the entry takes its evidence; the numbers stay spent.
    initialised("delete", str(entry), "--yes")
    other = _log(initialised, "อบรม")
    assert other == 2
    assert initialised("evidence", "add", str(other), "https://drive.google.com/c").stdout.split() == ["4"]


def test_a_follow_up_number_is_not_given_again(initialised):
    initialised("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")

    def visit(day: str) -> int:
        args = ("log-visit", "-s", "57010001", "--title", "นิเทศ", "--date", day, "--follow-up", "จัดมุมอ่าน")
        return int(initialised(*args).stdout.split()[0])

    first = visit("2026-11-02")
    second = visit("2026-11-03")
    assert [i["id"] for i in initialised.json("follow-up", "list", "--all")] == [1, 2]
    initialised("delete", str(second), "--yes")  # its follow-up, the highest number, goes with it
    visit("2026-11-04")
    assert [i["id"] for i in initialised.json("follow-up", "list", "--all")] == [1, 3]
    assert [i["activity_id"] for i in initialised.json("follow-up", "list", "--all")][0] == first


def _schema(db: Path, kind: str) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL", (kind,)))
    finally:
        conn.close()


def _upgraded_copy(tmp_path: Path, monkeypatch, version: int = 13) -> Path:
    """A copy of the newest fixture without m011 (deletions, m009's triggers and index,
    follow-ups pointing to activities, m013's evidence_readable; m011 arrived after v13 was
    built), brought up to every other migration and not further."""
    db = tmp_path / "old.db"
    shutil.copyfile(FIXTURES / f"schema_v{version}.db", db)
    shutil.copytree(FIXTURES / f"schema_v{version}-evidence", tmp_path / "old-evidence")
    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", [(n, f) for n, f in migrations.MIGRATIONS if not n.startswith("m011_")])
        connect(db, create=False).close()
    assert "m009_progress_every_visit" in _applied(db) and "m011_ids_never_reused" not in _applied(db)
    return db


def _applied(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute(f"SELECT name FROM {migrations.MIGRATIONS_TABLE}")]
    finally:
        conn.close()


def test_upgrade_keeps_triggers_indexes_and_foreign_keys(tmp_path, nitet, monkeypatch):
    db = _upgraded_copy(tmp_path, monkeypatch)
    triggers, indexes = _schema(db, "trigger"), _schema(db, "index")
    tables, views = _schema(db, "table"), _schema(db, "view")
    conn = connect(db, create=False)  # runs m011 alone
    try:
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the rebuild
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        sequence = dict(conn.execute("SELECT name, seq FROM sqlite_sequence"))
    finally:
        conn.close()
    assert sequence == {"activities": 3, "evidence": 2, "follow_ups": 3}
    assert _schema(db, "trigger") == triggers  # every trigger of m004–m006 and m009, word for word
    assert _schema(db, "index") == indexes
    # The views of m003 typed; every other view (m013's evidence_readable) word for word.
    assert {v: sql for v, sql in _schema(db, "view").items() if v not in migrations.TYPED_VIEWS} == {
        v: sql for v, sql in views.items() if v not in migrations.TYPED_VIEWS
    }
    assert "coalesce('.' ||" in _schema(db, "view")["evidence_readable"]  # m013's extension kept
    after = _schema(db, "table")
    for table in migrations.NUMBERED_TABLES:
        assert "AUTOINCREMENT" in after[table]
        renamed = after[table].replace(f'CREATE TABLE "{table}"', f"CREATE TABLE {table}", 1)  # ALTER TABLE's quotes
        assert renamed == tables[table].replace("id INTEGER PRIMARY KEY", "id INTEGER PRIMARY KEY AUTOINCREMENT", 1)
    # Every other table (deletions, the link tables, the summaries) word for word, pointing
    # at activities by name as before.
    assert {t: sql for t, sql in after.items() if t not in migrations.NUMBERED_TABLES and t != "sqlite_sequence"} == {
        t: sql for t, sql in tables.items() if t not in migrations.NUMBERED_TABLES
    }

    nitet.db_path = db
    # The search index (m005) still follows the entries.
    assert [e["id"] for e in nitet.json("list", "--search", "อ่านออก")["entries"]] == [1]
    nitet("edit", "1", "--title", "ทบทวนการสอนภาษาไทย")
    assert [e["id"] for e in nitet.json("list", "--search", "ทบทวน")["entries"]] == [1]
    assert nitet.json("list", "--search", "อ่านออก")["entries"] == []
    # Follow-ups still belong to their visits.
    follow_ups = nitet.json("follow-up", "list", "--all")
    assert sorted((i["id"], i["activity_id"]) for i in follow_ups) == [(1, 1), (2, 1), (3, 3)]
    # The highest entry deleted: its number is not given again, and the cascades still work
    # (its standards, its follow-up through the follow_ups table's reference to activities).
    nitet("delete", "3", "--yes")
    assert nitet.query("SELECT count(*) FROM activity_standards WHERE activity_id = 3") == [(0,)]
    assert nitet.query("SELECT id FROM follow_ups ORDER BY id") == [(1,), (2,)]
    assert nitet.query("SELECT count(*) FROM deletions") == [(3,)]  # the fixture's two and this one
    assert int(nitet("log", "7.4", "--title", "สรุปผล", "--date", "2026-11-22").stdout) == 4
    nitet("log-visit", "--school", "57010001", "--standard", "7.3", "--title", "นิเทศ", "--date", "2026-11-23",
          "--follow-up", "ติดตามการอ่าน")  # fmt: skip
    assert nitet.query("SELECT id FROM follow_ups ORDER BY id") == [(1,), (2,), (4,)]  # 3 stays spent
    assert_summary_is_a_recount(db)  # the summary triggers, made again, still count every write
    assert "ไม่พบปัญหา" in nitet("doctor").output


def test_upgrade_refuses_to_break_a_reference(tmp_path, monkeypatch):
    """Foreign keys are off while the tables are rebuilt: a rebuild that would leave a
    reference pointing at nothing is rolled back whole."""
    db = _upgraded_copy(tmp_path, monkeypatch)
    before = _schema(db, "table")

    def lose_a_row(conn):
        conn.execute("DELETE FROM activities WHERE id = 1")  # as a faulty rebuild would

    name, real = next((n, f) for n, f in migrations.MIGRATIONS if n.startswith("m011_"))
    faulty = migrations.rebuilds_tables(lambda conn: (real(conn), lose_a_row(conn)))
    monkeypatch.setattr(migrations, "MIGRATIONS", [(n, faulty if n == name else f) for n, f in migrations.MIGRATIONS])
    with pytest.raises(DatabaseError, match="การอ้างอิง"):
        connect(db, create=False)
    assert _schema(db, "table") == before
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM activities").fetchone()[0] == 3
    finally:
        conn.close()
    assert name not in _applied(db)


def test_a_reference_broken_before_the_upgrade_does_not_block_it(tmp_path, monkeypatch):
    """A database edited by hand may already hold a dangling row: the upgrade goes on
    (doctor reports the row), since the rebuild broke nothing new."""
    db = _upgraded_copy(tmp_path, monkeypatch)
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO activity_standards (activity_id, standard_id) VALUES (99, '7.3')")  # foreign keys off
    conn.commit()
    conn.close()
    connect(db, create=False).close()
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM sqlite_sequence").fetchone()[0] == len(migrations.NUMBERED_TABLES)
    finally:
        conn.close()
