"""Issue 12 item 4: stored evidence files keep their extension (``ab/<sha256>.jpg``), so the path
``evidence open`` prints opens by double-click; migration m013 renames the files of an older
store, and a rename that did not happen or was rolled back is harmless (every lookup accepts
the old name; the next upgrade or ``doctor --fix`` finishes it); doctor, backup, export,
import and merge follow."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from nitet_cli import evidence_store, migrations
from nitet_cli.db import connect
from nitet_cli.evidence_store import extension_of, stored_name
from nitet_cli.maintenance import doctor

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def entry(initialised):
    initialised("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    return initialised


def store_names(db: Path) -> list[str]:
    from nitet_cli.paths import evidence_dir

    root = evidence_dir(db)  # a dated backup copy's is the store its folder shares
    return sorted(p.name for p in root.rglob("*") if p.is_file() and ".thumbs" not in p.parts) if root.exists() else []


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_extension_rule():
    assert [
        extension_of(n)
        for n in (
            "ภาพ 1.JPG",
            "scan.Heic",
            "a.tar.gz",
            "notes",
            ".bashrc",
            "x.",
            "x.toolong",
            "x.ab-c",
            "ภาพ.ภาพ",
            None,
        )
    ] == [
        "jpg",
        "heic",
        "gz",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    assert stored_name("ab" * 32, "ห้อง.PNG") == "ab" * 32 + ".png" and stored_name("ab" * 32, "README") == "ab" * 32


def test_stored_files_keep_their_extension_and_open_by_name(entry, tmp_path):
    photo = write(tmp_path / "ห้องเรียน.JPG", b"classroom")
    plan = write(tmp_path / "แผนการสอน", b"plan without extension")
    odd = write(tmp_path / "x.ab-c", b"odd")
    entry("log-visit", "-s", "ดอยงาม", "-t", "นิเทศ", "-e", photo, "-e", plan, "-e", odd)
    sha = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (photo, plan, odd)}
    assert store_names(entry.db_path) == sorted([sha["ห้องเรียน.JPG"] + ".jpg", sha["แผนการสอน"], sha["x.ab-c"]])
    opened = Path(entry("evidence", "open", "1").stdout.strip())
    assert opened.name == sha["ห้องเรียน.JPG"] + ".jpg" and opened.read_bytes() == b"classroom"
    assert [Path(e["path"]).name for e in entry.json("show", "1")["evidence"]][0] == opened.name
    view = entry.query("SELECT stored_as FROM evidence_readable ORDER BY id")
    assert [v[0].split("/")[1] for v in view] == [sha["ห้องเรียน.JPG"] + ".jpg", sha["แผนการสอน"], sha["x.ab-c"]]
    # the same content recorded as .jpeg is stored under its own name; removing it leaves the .jpg
    entry("evidence", "add", "1", write(tmp_path / "copy.jpeg", b"classroom"))
    assert sha["ห้องเรียน.JPG"] + ".jpeg" in store_names(entry.db_path)
    entry("evidence", "remove", "4", "--yes")
    assert sha["ห้องเรียน.JPG"] + ".jpeg" not in store_names(entry.db_path)
    assert sha["ห้องเรียน.JPG"] + ".jpg" in store_names(entry.db_path)
    assert "ไม่พบปัญหา" in entry("doctor").stdout
    entry("delete", "1", "--yes")
    assert store_names(entry.db_path) == []


def old_store(tmp_path: Path, version: int = 10) -> tuple[Path, Path]:
    """A copy of the schema fixture of ``version``: its one photo stored as ab/<sha256> (before m013)."""
    db = tmp_path / f"schema_v{version}.db"
    shutil.copyfile(FIXTURES / db.name, db)
    shutil.copytree(FIXTURES / f"schema_v{version}-evidence", tmp_path / f"schema_v{version}-evidence")
    (old,) = [p for p in (tmp_path / f"schema_v{version}-evidence").rglob("*") if p.is_file()]
    assert len(old.name) == 64
    return db, old


def test_upgrade_renames_old_names(tmp_path):
    db, old = old_store(tmp_path)
    connect(db, create=False).close()  # migrates
    assert (
        not old.exists()
        and old.with_name(old.name + ".jpg").read_bytes()
        == (FIXTURES / "schema_v10-evidence" / old.parent.name / old.name).read_bytes()
    )
    conn = connect(db, create=False)
    try:
        report = doctor(conn, db)
    finally:
        conn.close()
    assert report.problems == [] and report.evidence_checked == 1


def test_a_rename_that_failed_is_harmless_and_doctor_fix_finishes_it(tmp_path, monkeypatch, nitet):
    db, old = old_store(tmp_path)
    real_replace = evidence_store.os.replace

    def read_only_store(source, target):
        if Path(source) == old:
            raise PermissionError(13, "Permission denied")
        return real_replace(source, target)

    monkeypatch.setattr(evidence_store.os, "replace", read_only_store)
    connect(db, create=False).close()  # the upgrade itself goes through
    monkeypatch.undo()
    assert old.exists() and not old.with_name(old.name + ".jpg").exists()
    # every reader finds the file under its old name
    assert Path(nitet("--db", db, "evidence", "open", "1").stdout.strip()) == old
    shown = nitet.json("--db", db, "show", "1")["evidence"]
    assert Path(shown[0]["path"]) == old
    out = tmp_path / "all.zip"
    nitet("--db", db, "export", "-o", out)
    report = nitet.json("--db", db, "doctor")
    assert [p["code"] for p in report["problems"]] == ["evidence_old_name"]  # a warning, nothing missing
    assert report["evidence_checked"] == 1
    nitet("--db", db, "doctor", "--fix")
    assert not old.exists() and old.with_name(old.name + ".jpg").is_file()
    assert "ไม่พบปัญหา" in nitet("--db", db, "doctor").stdout


def test_an_upgrade_rolled_back_after_its_renames_is_finished_by_the_next(tmp_path, monkeypatch):
    db, old = old_store(tmp_path)
    real = evidence_store.add_extensions

    def renamed_then_killed(conn, path):
        real(conn, path)
        raise KeyboardInterrupt  # the process stops before the migration's transaction commits

    monkeypatch.setattr(evidence_store, "add_extensions", renamed_then_killed)
    with pytest.raises(KeyboardInterrupt):
        connect(db, create=False)
    monkeypatch.undo()
    conn = sqlite3.connect(db)
    applied = {r[0] for r in conn.execute(f"SELECT name FROM {migrations.MIGRATIONS_TABLE}")}
    conn.close()
    assert "m013_evidence_extensions" not in applied  # rolled back, the file already renamed
    assert not old.exists()
    conn = connect(db, create=False)  # upgrades again: the rename is already done
    try:
        assert migrations.schema_version(conn) == migrations.current_version()
        report = doctor(conn, db)
    finally:
        conn.close()
    assert report.problems == [] and report.evidence_checked == 1


def test_one_old_file_needed_under_two_names(tmp_path):
    db, old = old_store(tmp_path)
    conn = sqlite3.connect(db)
    with conn:  # the same photo also recorded as .jpeg and as a name without an extension
        for n, name in ((90, "สำเนา.jpeg"), (91, "ภาพไม่มีนามสกุล")):
            conn.execute(
                "INSERT INTO evidence (id, uuid, activity_id, kind, sha256, original_name, media_type, size, created_at)"
                " SELECT ?, ?, activity_id, kind, sha256, ?, media_type, size, created_at FROM evidence WHERE id = 1",
                (n, f"eeeeeeee-0000-4000-8000-0000000000{n}", name),
            )
    conn.close()
    connect(db, create=False).close()
    sha = old.name
    assert store_names(db) == [sha, sha + ".jpeg", sha + ".jpg"]  # the old name is still needed by the third
    conn = connect(db, create=False)
    try:
        assert doctor(conn, db).problems == []
    finally:
        conn.close()


def test_backup_import_and_merge_keep_the_names(entry, tmp_path, nitet):
    photo = write(tmp_path / "ภาพ.PNG", b"png photo")
    entry("log-visit", "-s", "ดอยงาม", "-t", "นิเทศ", "-e", photo)
    name = hashlib.sha256(b"png photo").hexdigest() + ".png"
    backup = tmp_path / "backup"
    backup.mkdir()
    entry("backup", backup)
    (copy,) = list(backup.glob("*.db"))
    assert store_names(copy) == [name]
    archive = tmp_path / "ส่ง.zip"
    entry("export", "-o", archive)
    other = tmp_path / "other" / "nitet.db"
    other.parent.mkdir()
    nitet("--db", other, "init")
    nitet("--db", other, "import", archive)  # the .zip holds evidence/<sha256>: the name comes from the row
    assert store_names(other) == [name]
    group = tmp_path / "group" / "group.db"
    group.parent.mkdir()
    nitet("merge", entry.db_path, "--into", group)
    assert store_names(group) == [name]
    # a colleague's database from before m013, read as it is (old names): the group's copy gets the new name
    (tmp_path / "old").mkdir()
    old_db, old = old_store(tmp_path / "old")
    nitet("merge", old_db, "--into", group)
    assert old.name + ".jpg" in store_names(group) and old.exists()
    assert "ไม่พบปัญหา" in nitet("--db", group, "doctor").stdout
