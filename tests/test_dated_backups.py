"""Issue 11 item 6: dated backups — `nitet backup DIR` writes `DIR/nitet-YYYY-MM-DDTHHMM.db`, every
copy in DIR shares one evidence store (files by hash), `--keep N` removes the oldest copies beyond
N (never the one just written, never another database's), `--list` shows them, and doctor accepts
every kept copy."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Nitet
from stress_data import add_entry, init_db

from nitet_cli.activities import EvidenceInput
from nitet_cli.evidence_store import stored_path


def photo(folder: Path, name: str, payload: bytes) -> Path:
    path = folder / name
    path.write_bytes(b"\xff\xd8\xff\xe0" + payload * 50)
    return path


@pytest.fixture
def live(nitet, tmp_path):
    """A database with one entry and one photo (A)."""
    conn = init_db(nitet.db_path)
    add_entry(conn, nitet.db_path, 1, evidence=[EvidenceInput(path=photo(tmp_path, "a.jpg", b"A"), caption="ภาพ A")])
    conn.close()
    return nitet


def shas(nitet: Nitet) -> set[str]:
    return {r[0] for r in nitet.query("SELECT sha256 FROM evidence WHERE sha256 IS NOT NULL")}


def backup(nitet: Nitet, when: str, *args, ok: bool = True):
    """`nitet backup …` at the local time ``when`` (ISO, minutes)."""
    return nitet("backup", *map(str, args), env={"NITET_NOW": when}, ok=ok)


def doctor(nitet: Nitet, db: Path) -> dict:
    result = nitet("--db", str(db), "doctor", "--json", ok=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.db"))


def test_dated_copies_keep_and_doctor(live, tmp_path):
    dest = tmp_path / "usb"
    for when in ("2026-11-20T02:30", "2026-11-21T02:30", "2026-11-22T02:30"):
        backup(live, when, "--keep", "2", dest)
    assert names(dest) == ["nitet-2026-11-21T0230.db", "nitet-2026-11-22T0230.db"]
    assert sorted(p.name for p in dest.iterdir()) == [*names(dest), "nitet-evidence"]  # one shared store
    for copy in dest.glob("*.db"):
        report = doctor(live, copy)
        assert report["ok"] and report["problems"] == [] and report["evidence_checked"] == 1
        assert {r[0] for r in sqlite3.connect(copy).execute("SELECT sha256 FROM evidence")} == shas(live)

    last = json.loads(backup(live, "2026-11-23T02:30", "--keep", "2", dest, "--json").stdout)
    assert last["db"] == str(dest / "nitet-2026-11-23T0230.db")
    assert last["removed"] == ["nitet-2026-11-21T0230.db"]
    assert last["kept"] == ["nitet-2026-11-22T0230.db", "nitet-2026-11-23T0230.db"]
    assert last["copied"] == 0 and last["already_there"] == 1  # the photo is in the shared store once


def test_list(live, tmp_path):
    dest = tmp_path / "usb"
    backup(live, "2026-11-20T02:30", dest)
    conn = init_db(live.db_path)
    add_entry(conn, live.db_path, 2)
    conn.close()
    backup(live, "2026-11-21T16:05", dest)
    listed = live.json("backup", "--list", dest)
    assert [(c["name"], c["taken"], c["activities"], c["owner"]) for c in listed] == [
        ("nitet-2026-11-20T0230.db", "2026-11-20T02:30", 1, "นางสาวทดสอบ ระบบดี"),
        ("nitet-2026-11-21T1605.db", "2026-11-21T16:05", 2, "นางสาวทดสอบ ระบบดี"),
    ]
    text = live("backup", "--list", dest).stdout
    assert "21 พ.ย. 2569 16:05 น." in text and "กิจกรรม 2 รายการ" in text and "รวม 2 ชุด" in text
    empty = tmp_path / "empty"
    empty.mkdir()
    assert live.json("backup", "--list", empty) == []


def test_keep_prunes_the_files_no_kept_copy_uses(live, tmp_path):
    """Photo A (deleted from the database since) leaves the shared store with the last copy using it."""
    dest = tmp_path / "usb"
    (a,) = shas(live)
    backup(live, "2026-11-20T02:30", "--keep", "2", dest)
    entry = live.query("SELECT id FROM activities")[0][0]
    live("delete", str(entry), "--yes")
    conn = init_db(live.db_path)
    add_entry(conn, live.db_path, 2, evidence=[EvidenceInput(path=photo(tmp_path, "b.jpg", b"B"))])
    conn.close()
    (b,) = shas(live)
    backup(live, "2026-11-21T02:30", "--keep", "2", dest)
    assert stored_path(dest / "nitet-2026-11-20T0230.db", a).is_file()  # still used by the older copy
    result = json.loads(backup(live, "2026-11-22T02:30", "--keep", "2", dest, "--json").stdout)
    assert result["removed"] == ["nitet-2026-11-20T0230.db"] and result["files_removed"] == 1
    store = dest / "nitet-evidence"
    assert not list(store.glob(f"{a[:2]}/{a}*")) and len(list(store.glob(f"{b[:2]}/{b}*"))) == 1  # any stored name
    for copy in dest.glob("*.db"):
        assert doctor(live, copy)["ok"]


def test_never_the_copy_just_written(live, tmp_path):
    """A clock set back: the copy just written sorts oldest, and still stays."""
    dest = tmp_path / "usb"
    backup(live, "2026-11-20T02:30", dest)
    backup(live, "2026-11-21T02:30", dest)
    result = json.loads(backup(live, "2026-11-01T08:00", "--keep", "1", dest, "--json").stdout)
    assert names(dest) == ["nitet-2026-11-01T0800.db"]
    assert result["kept"] == ["nitet-2026-11-01T0800.db"]
    assert doctor(live, dest / "nitet-2026-11-01T0800.db")["ok"]


def test_keep_never_touches_another_databases_copies(live, tmp_path):
    """Two people back up into one folder (both databases called nitet.db): each --keep counts and
    removes only its own copies; the shared store keeps what either needs."""
    dest = tmp_path / "usb"
    other = Nitet(tmp_path / "other" / "nitet.db")
    (tmp_path / "other").mkdir()
    other("init")  # the bundled sample: another owner
    backup(other, "2026-11-19T02:30", dest)
    backup(other, "2026-11-20T02:31", dest)
    for when in ("2026-11-20T02:30", "2026-11-21T02:30", "2026-11-22T02:30"):
        backup(live, when, "--keep", "1", dest)
    assert names(dest) == ["nitet-2026-11-19T0230.db", "nitet-2026-11-20T0231.db", "nitet-2026-11-22T0230.db"]
    for copy in dest.glob("*.db"):
        assert doctor(live, copy)["ok"]


def test_working_in_a_dated_copy_never_empties_the_shared_store(live, tmp_path):
    """Deleting an entry inside one copy leaves its photo for the other copies that use it."""
    dest = tmp_path / "usb"
    backup(live, "2026-11-20T02:30", dest)
    backup(live, "2026-11-21T02:30", dest)
    copy = Nitet(dest / "nitet-2026-11-21T0230.db")
    entry = copy.query("SELECT id FROM activities")[0][0]
    copy("delete", str(entry), "--yes")
    (a,) = shas(live)
    assert stored_path(dest / "nitet-2026-11-20T0230.db", a).is_file()
    report = doctor(live, dest / "nitet-2026-11-20T0230.db")
    assert report["ok"] and report["problems"] == []
    assert doctor(live, dest / "nitet-2026-11-21T0230.db")["problems"] == []  # another copy's file is not stray
    fixed = json.loads(copy("doctor", "--fix", "--json").stdout)
    assert fixed["removed"] == [] and stored_path(dest / "nitet-2026-11-20T0230.db", a).is_file()


def test_an_incomplete_copy_removes_no_older_one(live, tmp_path):
    dest = tmp_path / "usb"
    backup(live, "2026-11-20T02:30", dest)
    conn = init_db(live.db_path)
    add_entry(conn, live.db_path, 2, evidence=[EvidenceInput(path=photo(tmp_path, "b.jpg", b"B"))])
    conn.close()
    (b,) = shas(live) - {
        r[0] for r in sqlite3.connect(dest / "nitet-2026-11-20T0230.db").execute("SELECT sha256 FROM evidence")
    }
    stored_path(live.db_path, b).unlink()  # lost from the live store: the new copy cannot have it
    result = backup(live, "2026-11-21T02:30", "--keep", "1", dest, ok=False)
    assert result.exit_code == 1 and "ไม่ได้ลบสำเนาเก่า" in result.output
    assert names(dest) == ["nitet-2026-11-20T0230.db", "nitet-2026-11-21T0230.db"]


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["--keep", "0", "{dest}"], 2, ["--keep", "อย่างน้อย 1"]),
        (["--keep", "3", "{tmp}/one.db"], 2, ["--keep", "โฟลเดอร์"]),
        (["--list", "--keep", "3", "{dest}"], 2, ["--list"]),
        (["--list", "{tmp}/no-such-folder"], 3, ["no-such-folder"]),
        (["{live_dir}"], 5, ["ที่เก็บหลักฐาน"]),  # a dated copy beside the live database would share its store
    ],
    ids=["keep-0", "keep-with-a-file", "list-and-keep", "list-missing", "beside-the-live-database"],
)
def test_bad_backup_arguments_write_nothing(live, tmp_path, args, code, words):
    dest = tmp_path / "usb"
    backup(live, "2026-11-20T02:30", dest)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    values = {"dest": dest, "tmp": tmp_path, "live_dir": live.db_path.parent}
    result = backup(live, "2026-11-21T02:30", *(a.format(**values) for a in args), ok=False)
    assert result.exit_code == code and result.stderr.startswith("ข้อผิดพลาด: ")
    assert len(result.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_a_db_file_destination_keeps_its_own_store(live, tmp_path):
    """`nitet backup FILE.db` is as before: that file and its own FILE-evidence store."""
    backup(live, "2026-11-20T02:30", tmp_path / "สำรอง.db")
    assert (tmp_path / "สำรอง-evidence").is_dir() and not list(tmp_path.glob("*-2026-*"))
    assert doctor(live, tmp_path / "สำรอง.db")["ok"]
