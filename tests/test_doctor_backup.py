"""Issue 5: `nitet doctor` finds what is wrong; `nitet backup` makes a copy doctor accepts."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stress_data import add_entry, init_db

from nitet_cli.activities import EvidenceInput
from nitet_cli.evidence_store import stored_path

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def filled(nitet, tmp_path):
    """A database with three entries and two stored photos (one used twice)."""
    photo_a = tmp_path / "ภาพกิจกรรม ๑.jpg"
    photo_a.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)
    photo_b = tmp_path / "ภาพ๒.png"
    photo_b.write_bytes(b"\x89PNG\r\n\x1a\n" + b"nitet" * 500)
    conn = init_db(nitet.db_path)
    add_entry(conn, nitet.db_path, 1, evidence=[EvidenceInput(path=photo_a, caption="ครูสอน")])
    add_entry(
        conn, nitet.db_path, 2, evidence=[EvidenceInput(path=photo_a), EvidenceInput(path=photo_b, caption="นักเรียน")]
    )
    add_entry(
        conn, nitet.db_path, 3, evidence=[EvidenceInput(url="https://drive.google.com/file/d/abc", caption="ลิงก์")]
    )
    conn.close()
    nitet.shas = [r[0] for r in nitet.query("SELECT DISTINCT sha256 FROM evidence WHERE kind = 'file' ORDER BY sha256")]
    assert len(nitet.shas) == 2
    return nitet


def doctor_json(nitet, db: Path | None = None, expect: int = 0) -> dict:
    args = ["doctor", "--json"] if db is None else ["--db", str(db), "doctor", "--json"]
    result = nitet(*args, ok=False)
    assert result.exit_code == expect, result.output
    return json.loads(result.stdout)


def codes(report: dict) -> list[str]:
    return [p["code"] for p in report["problems"]]


# --- doctor ----------------------------------------------------------------------------


def test_healthy_database_passes(filled):
    result = filled("doctor")
    assert result.exit_code == 0
    assert "ไม่พบปัญหา" in result.output
    report = doctor_json(filled)
    assert report["ok"] is True and report["problems"] == []
    assert report["activities"] == 3
    assert report["evidence_files"] == 2 and report["evidence_checked"] == 2
    assert report["schema_version"] == report["current_version"] >= 1


def test_missing_evidence_file_is_an_error(filled):
    missing = stored_path(filled.db_path, filled.shas[0])
    missing.unlink()
    result = filled("doctor", ok=False)
    assert result.exit_code == 1
    assert "หายไปจากที่เก็บ" in result.output
    report = doctor_json(filled, expect=1)
    assert codes(report) == ["evidence_missing"]
    assert report["problems"][0]["path"] == str(missing)
    assert report["evidence_checked"] == 1


def test_altered_evidence_file_is_an_error(filled):
    path = stored_path(filled.db_path, filled.shas[1])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit
    path.write_bytes(bytes(data))
    report = doctor_json(filled, expect=1)
    assert codes(report) == ["evidence_altered"]
    assert "SHA-256 ไม่ตรง" in report["problems"][0]["message"]
    # The original name is named so that the user knows which photo it is.
    names = {r[0] for r in filled.query("SELECT original_name FROM evidence WHERE sha256 = ?", (filled.shas[1],))}
    assert any(f"'{n}'" in report["problems"][0]["message"] for n in names)


def test_stray_and_leftover_files_are_warnings_only(filled):
    store = filled.db_path.with_name("nitet-evidence")
    unused = store / "ab" / ("ab" + "0" * 62)
    unused.parent.mkdir(exist_ok=True)
    unused.write_bytes(b"unused")
    leftover = store / filled.shas[0][:2] / ".incoming-x1y2"
    leftover.write_bytes(b"half a photo")
    (store / "notes.txt").write_text("ของผู้ใช้")
    result = filled("doctor", ok=False)
    assert result.exit_code == 0, result.output
    assert "คำเตือน 3 รายการ" in result.output
    report = doctor_json(filled)
    assert report["ok"] is True
    assert codes(report) == ["stray_file"] * 3
    assert {p["severity"] for p in report["problems"]} == {"warning"}
    assert {p["path"] for p in report["problems"]} == {str(unused), str(leftover), str(store / "notes.txt")}


def test_orphan_rows_fail_the_foreign_key_check(filled):
    conn = sqlite3.connect(filled.db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO activity_schools (activity_id, school_code) VALUES (1, '99999999')")
    conn.execute("INSERT INTO activity_standards (activity_id, standard_id) VALUES (2, '9.9')")
    conn.commit()
    conn.close()
    report = doctor_json(filled, expect=1)
    assert codes(report) == ["foreign_key", "foreign_key"]
    text = " ".join(p["message"] for p in report["problems"])
    assert "activity_schools" in text and "schools" in text and "activity_standards" in text


def test_damaged_index_fails_the_integrity_check(filled):
    # Declare the date index as an index on title: its stored entries no longer match.
    conn = sqlite3.connect(filled.db_path)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX activities_date ON activities(title)' WHERE name = 'activities_date'"
    )
    conn.commit()
    conn.close()
    result = filled("doctor", ok=False)
    assert result.exit_code == 1
    assert "ไฟล์ฐานข้อมูลเสียหาย" in result.output
    assert "integrity" in codes(doctor_json(filled, expect=1))


def test_newer_schema_is_an_error_and_older_a_warning(filled, monkeypatch):
    from nitet_cli import migrations

    conn = sqlite3.connect(filled.db_path)
    conn.execute("INSERT INTO _nitet_migrations (name, applied_at) VALUES ('m999_from_the_future', '2030-01-01')")
    conn.commit()
    conn.close()
    report = doctor_json(filled, expect=1)
    assert codes(report) == ["schema_new"]
    assert "รุ่นที่ใหม่กว่า" in report["problems"][0]["message"]

    conn = sqlite3.connect(filled.db_path)
    conn.execute("DELETE FROM _nitet_migrations WHERE name = 'm999_from_the_future'")
    conn.commit()
    conn.close()
    # This program now knows one more migration than the file has had: doctor only warns
    # (the next ordinary command upgrades) and does not upgrade the file itself.
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, ("m998_later", lambda conn: None)])
    report = doctor_json(filled)
    assert codes(report) == ["schema_old"]
    assert report["schema_version"] == report["current_version"] - 1
    assert filled.query("SELECT count(*) FROM _nitet_migrations WHERE name = 'm998_later'") == [(0,)]


def test_doctor_refuses_what_is_not_a_nitet_database(nitet, tmp_path):
    result = nitet("doctor", ok=False)
    assert result.exit_code == 3 and "ไม่พบฐานข้อมูล" in result.output
    assert not nitet.db_path.exists()  # doctor never creates a database

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite at all" * 100)
    result = nitet("--db", garbage, "doctor", ok=False)
    assert result.exit_code == 4 and "ข้อผิดพลาด:" in result.output

    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    result = nitet("--db", other, "doctor", ok=False)
    assert result.exit_code == 4 and "ไม่ใช่ฐานข้อมูลของ nitet" in result.output


# --- backup ----------------------------------------------------------------------------


def table_rows(db: Path) -> dict:
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {t: conn.execute(f"SELECT * FROM [{t}] ORDER BY 1").fetchall() for t in tables}
    finally:
        conn.close()


def test_backup_into_a_folder_is_complete_private_and_passes_doctor(filled, tmp_path, monkeypatch):
    dest = tmp_path / "usb"
    dest.mkdir()
    monkeypatch.setenv("NITET_NOW", "2026-11-24T09:30")
    out = filled.json("backup", dest)
    copy = dest / "nitet-2026-11-24T0930.db"  # a dated copy; every copy in the folder shares nitet-evidence/
    assert out["db"] == str(copy) and out["ok"] is True
    assert out["activities"] == 3 and out["evidence_files"] == 2 and out["copied"] == 2
    assert table_rows(copy) == table_rows(filled.db_path)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    store = dest / "nitet-evidence"
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    for sha in filled.shas:
        assert stored_path(copy, sha).read_bytes() == stored_path(filled.db_path, sha).read_bytes()
        assert stat.S_IMODE(stored_path(copy, sha).stat().st_mode) == 0o600
    assert not list(dest.glob(".*.tmp")) and not list(store.rglob(".incoming-*"))
    report = doctor_json(filled, copy)
    assert report["ok"] and report["problems"] == [] and report["evidence_checked"] == 2
    # The copy is a single self-contained file: no -wal beside it to forget.
    assert not Path(f"{copy}-wal").exists()


def test_backup_to_a_db_path_and_to_a_new_folder(filled, tmp_path, monkeypatch):
    out = filled.json("backup", tmp_path / "สำรอง-2569.db")
    assert out["db"] == str(tmp_path / "สำรอง-2569.db")
    assert (tmp_path / "สำรอง-2569-evidence").is_dir()
    doctor_json(filled, tmp_path / "สำรอง-2569.db")

    monkeypatch.setenv("NITET_NOW", "2026-11-24T09:30")
    out = filled.json("backup", tmp_path / "new-folder")
    assert out["db"] == str(tmp_path / "new-folder" / "nitet-2026-11-24T0930.db")
    assert stat.S_IMODE((tmp_path / "new-folder").stat().st_mode) == 0o700
    doctor_json(filled, tmp_path / "new-folder" / "nitet-2026-11-24T0930.db")


def test_second_backup_replaces_the_first_and_reuses_evidence(filled, tmp_path, monkeypatch):
    """Within the same minute, a second backup into a folder replaces the dated copy it wrote."""
    dest = tmp_path / "bk"
    monkeypatch.setenv("NITET_NOW", "2026-11-24T09:30")
    filled("backup", dest)
    conn = init_db(filled.db_path)
    add_entry(conn, filled.db_path, 4)
    conn.close()
    out = filled.json("backup", dest)
    assert out["activities"] == 4
    assert out["copied"] == 0 and out["already_there"] == 2
    assert table_rows(dest / "nitet-2026-11-24T0930.db") == table_rows(filled.db_path)
    assert [p.name for p in dest.glob("*.db")] == ["nitet-2026-11-24T0930.db"]
    result = filled("backup", dest)
    assert "มีอยู่แล้ว 2" in result.output and "nitet --db" in result.output


def test_backup_refuses_bad_destinations_and_writes_nothing(filled, tmp_path):
    result = filled("backup", filled.db_path, ok=False)
    assert result.exit_code == 5 and "ฐานข้อมูล nitet ที่ใช้อยู่" in result.output
    result = filled("backup", tmp_path / "no" / "such" / "folder.db", ok=False)
    assert result.exit_code == 5 and "ไม่มีโฟลเดอร์" in result.output
    text_file = tmp_path / "notes.txt"
    text_file.write_text("x")
    result = filled("backup", text_file, ok=False)
    assert result.exit_code == 5 and ".db" in result.output
    assert text_file.read_text() == "x"
    live = tmp_path / "live.db"
    live.write_bytes(b"")
    Path(f"{live}-wal").write_bytes(b"x")
    result = filled("backup", live, ok=False)
    assert result.exit_code == 5 and "-wal" in result.output
    assert live.read_bytes() == b""
    missing = tmp_path / "absent.db"
    result = filled("--db", missing, "backup", tmp_path / "x.db", ok=False)
    assert result.exit_code == 3
    assert not missing.exists() and not (tmp_path / "x.db").exists()


def test_backup_of_a_store_with_a_missing_file_says_so(filled, tmp_path):
    stored_path(filled.db_path, filled.shas[0]).unlink()
    result = filled("backup", tmp_path / "bk.db", ok=False)
    assert result.exit_code == 1
    assert "ไม่ได้สำรอง" in result.output
    # Everything else is there, and doctor on the copy names the same missing file.
    assert table_rows(tmp_path / "bk.db") == table_rows(filled.db_path)
    report = doctor_json(filled, tmp_path / "bk.db", expect=1)
    assert codes(report) == ["evidence_missing"]


WRITER = r"""
import sys, time
sys.path.insert(0, sys.argv[3])
from pathlib import Path
from nitet_cli.db import connect
from stress_data import add_entry
db = Path(sys.argv[1])
conn = connect(db)
Path(sys.argv[2]).write_text("started")
for n in range(100, 100000):
    add_entry(conn, db, n)
    if Path(sys.argv[2] + ".stop").exists():
        break
"""


def test_backup_while_another_process_writes(filled, tmp_path):
    started = tmp_path / "writer-started"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(filled.db_path), str(started), str(TESTS)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not started.exists():
            assert writer.poll() is None, writer.stderr.read()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        counts = []
        for i in range(5):
            time.sleep(0.1)
            out = filled.json("backup", tmp_path / f"bk{i}.db")
            copy = tmp_path / f"bk{i}.db"
            report = doctor_json(filled, copy)
            assert report["ok"] and report["problems"] == []
            # Consistent: every entry in the copy has its standard and school rows.
            conn = sqlite3.connect(copy)
            lonely = conn.execute(
                "SELECT count(*) FROM activities a WHERE NOT EXISTS (SELECT 1 FROM activity_standards s WHERE s.activity_id = a.id)"
                " OR NOT EXISTS (SELECT 1 FROM activity_schools x WHERE x.activity_id = a.id)"
            ).fetchone()[0]
            conn.close()
            assert lonely == 0
            counts.append(out["activities"])
    finally:
        Path(f"{started}.stop").write_text("stop")
        writer.wait(timeout=60)
    assert writer.returncode == 0, writer.stderr.read()
    assert counts == sorted(counts) and counts[-1] > counts[0] >= 3, counts  # the writer kept writing
    assert counts[-1] <= filled.query("SELECT count(*) FROM activities")[0][0]
