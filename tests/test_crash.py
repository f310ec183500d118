"""Issue 5: a process killed in the middle of a large write loses nothing and half-writes nothing.

A child process starts a large write — a manual load, a big school import, a big
multi-row insert of entries — and, from inside the open transaction (an SQLite trace
callback counting statements), says "MID" and waits; the test then kills it with
SIGKILL, which no code can intercept. Afterwards ``PRAGMA integrity_check`` is ok and
the data is exactly as before (the write is wholly absent); the slow variants kill at
random moments and accept "wholly absent" or "wholly present", nothing in between.

Documents: an export over an existing file that fails half way (or is killed half way)
leaves the old file byte for byte as it was.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stress_data import SMALL_MANUAL, add_entry, init_db, write_manual_yaml

from nitet_cli.db import connect
from nitet_cli.maintenance import doctor

TESTS = Path(__file__).resolve().parent

PRELUDE = r"""
import os, sys, time
sys.path.insert(0, TESTS)
from pathlib import Path

def arm(conn, after, word="INSERT"):
    '''After `after` statements containing `word`, say MID and wait to be killed (inside the transaction).'''
    seen = [0]
    def trace(sql):
        if word in sql:
            seen[0] += 1
            if seen[0] == after:
                sys.stdout.write("MID\n")
                sys.stdout.flush()
                time.sleep(600)
    conn.set_trace_callback(trace)
"""


def run_child(body: str, *args: str, kill_on_mid: bool = True, kill_after: float | None = None) -> str:
    """Run PRELUDE+body in a child; SIGKILL it at "MID" (or after ``kill_after`` seconds).

    Returns "killed" or "finished" (the child got to the end before the kill).
    """
    script = f"TESTS = {str(TESTS)!r}\n" + PRELUDE + body
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if kill_after is not None:
        # Wait until the child says it is about to start, then kill at a random moment.
        line = child.stdout.readline()
        assert line.strip() == "START", (line, child.stderr.read())
        try:
            child.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=60)
            assert child.returncode == -signal.SIGKILL
            return "killed"
        assert child.returncode == 0, child.stderr.read()
        return "finished"
    line = child.stdout.readline()
    if line.strip() != "MID":
        child.wait(timeout=60)
        raise AssertionError(f"the child never reached the middle of its write: {line!r} {child.stderr.read()}")
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    return "killed"


def integrity(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check")] + [
            repr(r) for r in conn.execute("PRAGMA foreign_key_check")
        ]
    finally:
        conn.close()


def state(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def still_writable(db: Path) -> None:
    """No lock, no journal left in the way: the next write just works, and doctor is content."""
    conn = connect(db, create=False)
    try:
        before = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
        add_entry(conn, db, 999, title="บันทึกหลังเครื่องดับ")
        assert conn.execute("SELECT count(*) FROM activities").fetchone()[0] == before + 1
        report = doctor(conn, db)
    finally:
        conn.close()
    assert report.ok, [p.message for p in report.problems]


# --- a manual load --------------------------------------------------------------------------

MANUAL_STATE = (
    "SELECT 'duty', number, title, retired_at IS NULL FROM duties"
    " UNION ALL SELECT 'row', id, activity || '|' || standard, retired_at IS NULL FROM standards"
    " UNION ALL SELECT 'who', name, position, is_self FROM supervisors ORDER BY 1, 2"
)


def big_manual(duties: int = 9, rows: int = 400) -> dict:
    data = {
        "manual": {"title": "คู่มือปฏิบัติงาน ฉบับใหญ่"},
        "profile": dict(SMALL_MANUAL["profile"], name="นายใหม่ ทั้งฉบับ"),
        "duties": [],
    }
    for d in range(1, duties + 1):
        data["duties"].append(
            {
                "number": d,
                "title": f"งานในหน้าที่เรื่องที่ {d} ฉบับปรับปรุง",
                "standards": [
                    {
                        "step": s,
                        "activity": f"กิจกรรม {d}.{s} ลงพื้นที่นิเทศ ติดตาม",
                        "standard": f"มาตรฐาน {d}.{s} อย่างน้อยภาคเรียนละ ๒ ครั้ง",
                    }
                    for s in range(1, rows + 1)
                ],
            }
        )
    return data


LOAD_MANUAL = r"""
from nitet_cli.db import connect
from nitet_cli.manual import read_manual, store_manual
db, yaml_path, after = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
manual = read_manual(yaml_path)
conn = connect(db)
if after > 0:
    arm(conn, after)
else:
    print("START", flush=True)
store_manual(conn, manual)
"""


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "nitet.db"
    conn = init_db(path)
    for n in range(5):
        add_entry(conn, path, n)
    conn.close()
    return path


def test_killed_manual_load_leaves_the_old_manual(db, tmp_path):
    yaml_path = write_manual_yaml(tmp_path / "big.yaml", big_manual())
    before = state(db, MANUAL_STATE)
    assert run_child(LOAD_MANUAL, str(db), str(yaml_path), "1500") == "killed"
    assert integrity(db) == ["ok"]
    assert state(db, MANUAL_STATE) == before
    still_writable(db)
    # And the same load, not interrupted, does change it: the test killed a real write.
    conn = connect(db)
    from nitet_cli.manual import read_manual, store_manual

    store_manual(conn, read_manual(yaml_path))
    conn.close()
    after = state(db, MANUAL_STATE)
    assert (
        after != before and len([r for r in after if r[0] == "row"]) == 9 * 400
    )  # 1.1, 1.2 and 2.1 updated, the rest added


# --- a big school import ------------------------------------------------------------------

SCHOOL_STATE = "SELECT code, name, school_group FROM schools ORDER BY code"

IMPORT_SCHOOLS = r"""
from nitet_cli.db import connect, transaction
from nitet_cli.schools import check_school, upsert_school
db, count, after = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
conn = connect(db)
if after > 0:
    arm(conn, after)
else:
    print("START", flush=True)
with transaction(conn):  # as an import does: every row, or none
    for i in range(count):
        upsert_school(conn, check_school(f"58{i:06d}", f"โรงเรียนบ้านนำเข้า {i}", f"กลุ่ม {i % 40}", "อำเภอใหม่"))
"""


def test_killed_school_import_leaves_no_school_behind(db):
    before = state(db, SCHOOL_STATE)
    assert run_child(IMPORT_SCHOOLS, str(db), "20000", "12000") == "killed"
    assert integrity(db) == ["ok"]
    assert state(db, SCHOOL_STATE) == before
    still_writable(db)


# --- a big multi-row insert of entries (what an import or a merge does) -------------------

ENTRY_STATE = (
    "SELECT (SELECT count(*) FROM activities), (SELECT count(*) FROM activity_standards),"
    " (SELECT count(*) FROM activity_schools), (SELECT count(*) FROM evidence)"
)

INSERT_ENTRIES = r"""
import uuid
from nitet_cli.db import connect, transaction
db, count, after = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
conn = connect(db)
if after > 0:
    arm(conn, after)
else:
    print("START", flush=True)
now = "2026-11-24T08:00:00+00:00"
with transaction(conn):
    for i in range(count):
        cur = conn.execute(
            "INSERT INTO activities (uuid, date, kind, mode, title, findings, created_at, updated_at)"
            " VALUES (?, '2026-11-20', 'visit', 'onsite', ?, ?, ?, ?)",
            (str(uuid.uuid4()), f"นิเทศที่นำเข้า {i}", "ผลการนิเทศ " * 20, now, now))
        conn.execute("INSERT INTO activity_standards (activity_id, standard_id) VALUES (?, '1.2')", (cur.lastrowid,))
        conn.execute("INSERT INTO activity_schools (activity_id, school_code) VALUES (?, '57010001')", (cur.lastrowid,))
        conn.execute(
            "INSERT INTO evidence (uuid, activity_id, kind, url, caption, created_at) VALUES (?, ?, 'link', 'https://example.org/x', 'ลิงก์', ?)",
            (str(uuid.uuid4()), cur.lastrowid, now))
"""


def test_killed_multi_row_insert_leaves_no_half_entries(db):
    before = state(db, ENTRY_STATE)
    assert run_child(INSERT_ENTRIES, str(db), "20000", "40000") == "killed"  # 4 INSERTs per entry: half way
    assert integrity(db) == ["ok"]
    assert state(db, ENTRY_STATE) == before
    still_writable(db)


# --- evidence stored, then killed before the entry is written -------------------------------

ADD_WITH_PHOTO = r"""
from datetime import date
from nitet_cli.activities import EvidenceInput, NewActivity, add_activity
from nitet_cli.db import connect
db, photo = Path(sys.argv[1]), Path(sys.argv[2])
conn = connect(db)
arm(conn, 1, word="INSERT INTO evidence")
add_activity(conn, db, NewActivity(date=date(2026, 11, 20), title="นิเทศพร้อมภาพ", standards=["1.2"],
             evidence=[EvidenceInput(path=photo, caption="ภาพ")]))
"""


def test_killed_entry_with_a_photo_leaves_only_a_harmless_stray_file(db, tmp_path):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8" + os.urandom(50_000))
    before = state(db, ENTRY_STATE)
    assert run_child(ADD_WITH_PHOTO, str(db), str(photo)) == "killed"
    assert integrity(db) == ["ok"]
    assert state(db, ENTRY_STATE) == before  # no entry without its evidence
    conn = connect(db, create=False)
    report = doctor(conn, db)
    conn.close()
    # The photo copied before the transaction is in the store, pointed to by nothing: a warning, not an error.
    assert report.ok and [p.code for p in report.problems] == ["stray_file"]


# --- kills at random moments (slow) ------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "body, args, state_sql",
    [
        (IMPORT_SCHOOLS, ("30000",), SCHOOL_STATE),
        (INSERT_ENTRIES, ("15000",), ENTRY_STATE),
    ],
    ids=["school-import", "entries"],
)
def test_kill_at_random_moments_is_all_or_nothing(body, args, state_sql, tmp_path):
    rng = random.Random(5)
    template = tmp_path / "template.db"
    init_db(template).close()
    before = state(template, state_sql)
    # How long the whole write takes here, to spread the kills over it (and a bit past it).
    timed = tmp_path / "timed.db"
    timed.write_bytes(template.read_bytes())
    started = time.monotonic()
    assert run_child(body, str(timed), *args, "0", kill_after=300) == "finished"
    duration = time.monotonic() - started
    after = state(timed, state_sql)
    assert after != before
    outcomes = []
    for attempt in range(8):
        db = tmp_path / f"attempt{attempt}.db"
        db.write_bytes(template.read_bytes())
        outcomes.append(run_child(body, str(db), *args, "0", kill_after=rng.uniform(0.05, duration * 1.1)))
        assert integrity(db) == ["ok"]
        now = state(db, state_sql)
        assert now in (before, after), f"attempt {attempt}: a partial write survived the kill"
        still_writable(db)
    assert "killed" in outcomes


# --- a backup killed half way keeps the previous backup -------------------------------------

BACKUP = r"""
from nitet_cli.maintenance import backup, open_existing
db, dest = Path(sys.argv[1]), Path(sys.argv[2])
conn = open_existing(db)
print("START", flush=True)
backup(conn, db, dest)
"""


@pytest.mark.slow
def test_killed_backup_keeps_the_previous_backup(tmp_path):
    db = tmp_path / "nitet.db"
    conn = init_db(db)
    add_entry(conn, db, 1)
    conn.close()
    dest = tmp_path / "bk.db"
    conn = connect(db)
    from nitet_cli.maintenance import backup

    backup(conn, db, dest)
    old = dest.read_bytes()
    # Make the live database big enough (~30 MB) that a backup takes a while.
    with conn:
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO activities (uuid, date, title, findings, created_at, updated_at) VALUES (?, '2026-11-20', ?, ?, '', '')",
            ((f"bulk-{i}", f"รายการ {i}", "ผลการนิเทศ " * 40) for i in range(60_000)),
        )
    conn.close()
    rng = random.Random(7)
    outcomes = []
    for _attempt in range(6):
        outcomes.append(run_child(BACKUP, str(db), str(dest), kill_after=rng.uniform(0.0, 0.4)))
        assert integrity(dest) == ["ok"]
        count = state(dest, "SELECT count(*) FROM activities")[0][0]
        assert count in (1, 60_001)
        if count == 1:
            assert dest.read_bytes() == old
    assert "killed" in outcomes


# --- documents ---------------------------------------------------------------------------------


@pytest.fixture
def exported(nitet, tmp_path):
    init_db(nitet.db_path).close()
    out = tmp_path / "คู่มือ.docx"
    nitet("manual", "export", "-o", out)
    return nitet, out, out.read_bytes()


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp")]


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), RuntimeError("bug in the middle")])
def test_export_failing_half_way_leaves_the_old_file(exported, monkeypatch, error):
    import docxtpl

    nitet, out, old = exported
    called = out.parent / "save-was-called"  # a file, not a list: the document is saved in a child process

    def half_save(self, file, *args, **kwargs):
        # nitet hands the writer an open temporary file, never the target's name
        assert not isinstance(file, (str, Path))
        file.write(b"PK\x03\x04" + b"half a document" * 100)
        file.flush()
        called.touch()
        raise error

    monkeypatch.setattr(docxtpl.DocxTemplate, "save", half_save)
    if isinstance(error, OSError):
        result = nitet("manual", "export", "-o", out, ok=False)
        assert result.exit_code == 5
        assert "ไฟล์เดิมยังอยู่ครบ" in result.output and "Traceback" not in result.output
    else:
        with pytest.raises(RuntimeError):
            nitet("manual", "export", "-o", out)
    assert called.exists()
    called.unlink()
    assert out.read_bytes() == old
    assert leftovers(out.parent) == []


EXPORT_KILLED = r"""
import docxtpl
from nitet_cli.db import connect
from nitet_cli.documents import export_manual
db, out = Path(sys.argv[1]), Path(sys.argv[2])
def half_save(self, file, *args, **kwargs):
    file.write(b"PK\x03\x04" + b"half a document" * 1000)
    file.flush()
    print("MID", flush=True)
    time.sleep(600)
docxtpl.DocxTemplate.save = half_save
export_manual(connect(db), db, out)
"""


def test_export_killed_half_way_leaves_the_old_file(exported):
    nitet, out, old = exported
    assert run_child(EXPORT_KILLED, str(nitet.db_path), str(out)) == "killed"
    assert out.read_bytes() == old
    from docx import Document

    Document(str(out))  # still opens
    # What the kill leaves is a hidden temporary file beside it, never a half-written document under its name.
    assert all(p.name.startswith(f".{out.name}.") for p in leftovers(out.parent))
