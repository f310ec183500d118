"""Issue 5: cron and a person at once — 8 processes each record 25 entries at the same moment.

Every process is a separate Python process (as two terminal windows or a cron job
would be) that opens its own connection for each entry, as each `nitet` run does.
They all wait for a start file, then write together. Afterwards all 200 entries are
there, with their evidence, and no process failed with "database is locked".
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from stress_data import init_db

from nitet_cli.db import connect
from nitet_cli.maintenance import doctor

TESTS = Path(__file__).resolve().parent
PROCESSES = 8
ENTRIES = 25

# One worker: import everything first, say "ready", wait for "go", then record ENTRIES
# entries, each through a fresh connection (like a fresh `nitet` process). Every third
# entry carries the photo all workers share (the same file stored by many processes at
# once), every fifth a photo of its own.
LIBRARY_WORKER = r"""
import json, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, sys.argv[5])
from nitet_cli.activities import EvidenceInput, NewActivity, add_activity
from nitet_cli.db import connect
db, work, worker, entries = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
(work / f"ready-{worker}").write_text("ready")
while not (work / "go").exists():
    time.sleep(0.001)
times = []
for n in range(entries):
    evidence = []
    if n % 3 == 0:
        evidence.append(EvidenceInput(path=work / "shared.jpg", caption="ภาพร่วม"))
    if n % 5 == 0:
        own = work / f"own-{worker}-{n}.jpg"
        own.write_bytes(f"ภาพของกระบวนการ {worker} รายการ {n}".encode() * 50)
        evidence.append(EvidenceInput(path=own, caption=f"ภาพ {worker}-{n}"))
    conn = connect(db, create=False)
    try:
        add_activity(conn, db, NewActivity(
            date=date(2026, 11, 1 + n % 20), title=f"นิเทศ กระบวนการ {worker} รายการ {n}",
            standards=["1.2"], schools=["57010001" if n % 2 else "57010002"],
            findings=f"บันทึกพร้อมกัน {worker}/{n}", uuid=f"{worker:08d}-0000-4000-8000-{n:012d}", evidence=evidence))
    finally:
        conn.close()
    times.append(time.monotonic())
print(json.dumps({"worker": worker, "first": times[0], "last": times[-1]}))
"""


def start_workers(script: str, db: Path, work: Path, *, processes: int = PROCESSES, entries: int = ENTRIES) -> list:
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(db), str(work), str(i), str(entries), str(TESTS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(processes)
    ]
    deadline = time.monotonic() + 120
    while not all((work / f"ready-{i}").exists() for i in range(processes)):
        for w in workers:
            if w.poll() is not None:
                raise AssertionError(f"a worker died before the start: {w.stderr.read()}")
        assert time.monotonic() < deadline, "workers did not get ready"
        time.sleep(0.01)
    return workers


def finish(workers: list) -> list[dict]:
    reports, failures = [], []
    for w in workers:
        out, err = w.communicate(timeout=300)
        if w.returncode != 0:
            failures.append(err)
        assert "locked" not in err.lower(), err
        if out.strip():
            reports.append(json.loads(out.strip().splitlines()[-1]))
    assert not failures, "\n".join(failures)
    return reports


def check_all_there(db: Path, processes: int = PROCESSES, entries: int = ENTRIES) -> None:
    conn = connect(db, create=False)
    try:
        assert conn.execute("SELECT count(*) FROM activities").fetchone()[0] == processes * entries
        per_worker = conn.execute(
            "SELECT substr(uuid, 1, 8) AS w, count(*) FROM activities GROUP BY w ORDER BY w"
        ).fetchall()
        assert [tuple(r) for r in per_worker] == [(f"{i:08d}", entries) for i in range(processes)]
        # Every entry has its standard and its school: no half-written entry.
        assert conn.execute("SELECT count(*) FROM activity_standards").fetchone()[0] == processes * entries
        assert conn.execute("SELECT count(*) FROM activity_schools").fetchone()[0] == processes * entries
        report = doctor(conn, db)
    finally:
        conn.close()
    assert report.ok and report.problems == [], [p.message for p in report.problems]


@pytest.fixture
def shared_db(tmp_path):
    db = tmp_path / "nitet.db"
    init_db(db).close()
    work = tmp_path / "work"
    work.mkdir()
    (work / "shared.jpg").write_bytes(b"\xff\xd8" + "ภาพที่ทุกกระบวนการใช้".encode() * 200)
    return db, work


def test_eight_processes_record_at_once_and_nothing_is_lost(shared_db):
    db, work = shared_db
    workers = start_workers(LIBRARY_WORKER, db, work)
    (work / "go").write_text("go")
    reports = finish(workers)
    check_all_there(db)
    conn = connect(db, create=False)
    try:
        per_entry = sum(1 for n in range(ENTRIES) if n % 3 == 0) + sum(1 for n in range(ENTRIES) if n % 5 == 0)
        assert conn.execute("SELECT count(*) FROM evidence").fetchone()[0] == PROCESSES * per_entry
        # The shared photo is stored once, however many processes stored it at the same moment.
        assert conn.execute("SELECT count(DISTINCT sha256) FROM evidence WHERE caption = 'ภาพร่วม'").fetchone()[0] == 1
    finally:
        conn.close()
    # They really ran together: workers' writing periods overlap.
    overlapping = [
        a["worker"]
        for a in reports
        if any(b is not a and a["first"] < b["last"] and b["first"] < a["last"] for b in reports)
    ]
    assert len(overlapping) >= 2, reports


HOLDER = r"""
import sys, time
from pathlib import Path
from nitet_cli.db import connect
conn = connect(Path(sys.argv[1]), create=False)
conn.execute("BEGIN IMMEDIATE")
conn.execute("UPDATE schools SET updated_at = updated_at")
Path(sys.argv[2]).write_text("held")
time.sleep(float(sys.argv[3]))
conn.execute("COMMIT")
"""


def test_writers_wait_for_a_long_transaction_instead_of_failing(shared_db):
    """Someone holds the write lock (a big import, say) when the 8 start: they wait, then all succeed."""
    db, work = shared_db
    workers = start_workers(LIBRARY_WORKER, db, work, entries=5)
    held = work / "held"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), str(held), "1.5"], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not held.exists():
        assert holder.poll() is None, holder.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    (work / "go").write_text("go")
    finish(workers)
    holder.wait(timeout=60)
    assert holder.returncode == 0, holder.stderr.read()
    check_all_there(db, entries=5)
