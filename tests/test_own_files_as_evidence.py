"""Issue 9 (left over): the database in use, its -wal/-shm/-journal and the files of its own
evidence store are never taken as evidence (`log-visit -e nitet.db`): one Thai sentence,
exit 2, nothing written; and a folder in the place of a file SQLite keeps beside the
database (`nitet.db-journal` made by hand) is named, with what to do, instead of a
"disk error"."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from nitet_cli.errors import InputError


@pytest.fixture
def school(initialised):
    initialised("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    return initialised


def store(nitet) -> Path:
    return nitet.db_path.with_name(f"{nitet.db_path.stem}-evidence")


def store_listing(nitet) -> list[tuple[str, bytes]]:
    root = store(nitet)
    return sorted((str(p.relative_to(root)), p.read_bytes()) for p in root.rglob("*") if p.is_file())


def refused(nitet, *args):
    before, listing, had_store = nitet.snapshot(), store_listing(nitet), store(nitet).exists()
    result = nitet(*args, ok=False)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("ข้อผิดพลาด") == 1 and "Traceback" not in result.output
    assert "ไม่รับ" in result.stderr and "เป็นหลักฐาน" in result.stderr
    assert nitet.snapshot() == before and store_listing(nitet) == listing
    assert store(nitet).exists() == had_store
    return result.stderr


def photo(tmp_path: Path, name: str = "ห้องเรียน.jpg", payload: bytes = b"\xff\xd8\xff\xe0 one classroom") -> Path:
    path = tmp_path / name
    path.write_bytes(payload)
    return path


def test_the_database_itself_is_refused_with_a_photo_before_it(school, tmp_path):
    """The photo given first is not stored either: nothing is written, not even the store's folder."""
    said = refused(school, "log-visit", "-s", "ดอยงาม", "-t", "นิเทศ", "-e", photo(tmp_path), "-e", school.db_path)
    assert str(school.db_path) in said and "ฐานข้อมูล nitet ที่ใช้อยู่" in said and "nitet backup" in said


def test_a_link_to_the_database_and_its_wal_and_shm_are_refused(school, tmp_path):
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    (elsewhere / "สำเนา.db").symlink_to(school.db_path)
    os.link(school.db_path, elsewhere / "hard.db")
    refused(school, "log-visit", "-s", "ดอยงาม", "-t", "นิเทศ", "-e", elsewhere / "สำเนา.db")
    refused(school, "log-visit", "-s", "ดอยงาม", "-t", "นิเทศ", "-e", elsewhere / "hard.db")
    reader = sqlite3.connect(school.db_path)  # while a connection is open, -wal and -shm are there
    try:
        reader.execute("SELECT count(*) FROM activities").fetchone()
        for suffix in ("-wal", "-shm"):
            side = Path(f"{school.db_path}{suffix}")
            assert side.is_file()
            said = refused(school, "log", "7.2", "--kind", "meeting", "-t", "ประชุม", "-e", side)
            assert f"ไฟล์ {suffix[1:]} ของฐานข้อมูลที่ใช้อยู่" in said
    finally:
        reader.close()


def test_a_file_inside_the_evidence_store_is_refused(school, tmp_path):
    school("log-visit", "-s", "ดอยงาม", "-t", "นิเทศ", "-e", photo(tmp_path))
    stored = [p for p in store(school).rglob("*.jpg")]
    assert len(stored) == 1
    said = refused(school, "log-visit", "-s", "ดอยงาม", "-t", "นิเทศครั้งที่ ๒", "-e", stored[0])
    assert "ไฟล์ในที่เก็บหลักฐาน" in said and "ไฟล์ต้นฉบับ" in said
    said = refused(school, "evidence", "add", "1", stored[0])  # another name for the same refusal
    assert "ไฟล์ในที่เก็บหลักฐาน" in said
    said = refused(school, "evidence", "add", "1", school.db_path)
    assert "ฐานข้อมูล nitet ที่ใช้อยู่" in said


def test_the_journal_is_refused_too(tmp_path):
    """No nitet database keeps a -journal (WAL), so this is the guard itself, on the library."""
    from nitet_cli.evidence_store import check_not_own_files

    db = tmp_path / "nitet.db"
    db.write_bytes(b"")
    journal = Path(f"{db}-journal")
    journal.write_bytes(b"x")
    with pytest.raises(InputError, match="ไฟล์ journal ของฐานข้อมูลที่ใช้อยู่"):
        check_not_own_files(db, [journal])
    check_not_own_files(db, [photo(tmp_path), tmp_path / "nitet-evidence.jpg"])  # names alike are not refused


def test_a_photo_next_to_the_database_is_still_evidence(school, tmp_path):
    beside = photo(school.db_path.parent, "nitet.db.jpg")
    assert school("log-visit", "-s", "ดอยงาม", "-t", "นิเทศ", "-e", beside).exit_code == 0
    assert len(store_listing(school)) == 1


# --- a folder where SQLite keeps a file ------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["-journal", "-wal"])
def test_a_folder_in_the_place_of_a_side_file_is_named(initialised, suffix):
    initialised("log", "7.2", "--kind", "meeting", "-t", "ประชุม")
    before = initialised.snapshot()
    side = Path(f"{initialised.db_path}{suffix}")
    side.mkdir()
    (side / "งานของฉัน.txt").write_text("x")
    for args in (["list"], ["log", "7.2", "--kind", "meeting", "-t", "ประชุมอีกครั้ง"], ["status"]):
        result = initialised(*args, ok=False)
        assert result.exit_code == 4, result.output
        assert result.stderr.count("ข้อผิดพลาด") == 1 and "Traceback" not in result.output
        assert f"โฟลเดอร์ {side}" in result.stderr and "ลบโฟลเดอร์" in result.stderr
        assert "disk I/O error" not in result.stderr and "ข้อผิดพลาดของดิสก์" not in result.stderr
    assert (side / "งานของฉัน.txt").read_text() == "x"
    (side / "งานของฉัน.txt").unlink()
    side.rmdir()
    assert initialised.snapshot() == before
    assert initialised("list").exit_code == 0


def test_init_beside_a_journal_folder_names_it(nitet):
    side = Path(f"{nitet.db_path}-journal")
    side.mkdir()
    result = nitet("init", "--name", "นางสาวมาลี ใจดี", "--office", "สพป.", ok=False)
    assert result.exit_code == 4 and f"โฟลเดอร์ {side}" in result.stderr
