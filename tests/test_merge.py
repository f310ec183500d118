"""Issue 6: `nitet merge A.db B.db … [--into group.db]` for the group head."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
import typer
from conftest import Nitet
from exchange_data import SCHOOLS, content, later, manual_for, query, store_files, supervisor_db

from nitet_cli.cli.common import State
from nitet_cli.db import connect
from nitet_cli.errors import EXIT_DATABASE, EXIT_INPUT, EXIT_NOT_FOUND, EXIT_OUTPUT
from nitet_cli.maintenance import doctor

MALI = "นางสาวมาลี ใจดี"
SOMCHAI = "นายสมชาย รักเรียน"


@pytest.fixture
def group(tmp_path, monkeypatch):
    """Two supervisors' databases (sharing two school codes) and a path for the group's."""
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    a = supervisor_db(tmp_path / "mali" / "nitet.db", MALI, tmp_path / "work-a", visits=3)
    b = supervisor_db(tmp_path / "somchai" / "nitet.db", SOMCHAI, tmp_path / "work-b", schools=SCHOOLS[:2], visits=2)
    return a, b, tmp_path / "group" / "group.db"


@pytest.mark.parametrize("suffix", ["-wal", "-journal", "-shm"])
def test_a_group_database_named_as_a_databases_wal_is_refused(group, suffix):
    """``merge --into nitet.db-wal`` beside ``nitet.db`` once made a whole group database there,
    which the next command on ``nitet.db`` took for its WAL and deleted: every merged entry lost."""
    a, b, _into = group
    into = Path(f"{a.db_path}{suffix}")
    before = a.snapshot()
    result = a("merge", b.db_path, "--into", into, ok=False)
    assert result.exit_code == EXIT_INPUT and f"{suffix[1:]} ที่ SQLite ใช้คู่กับฐานข้อมูล" in result.stderr
    assert not into.exists() and a.snapshot() == before
    result = Nitet(into)("init", ok=False)  # any command that would create it
    assert result.exit_code == EXIT_INPUT and not into.exists()


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("whose", ["db", "db-through-a-link", "source"])
def test_a_group_database_inside_an_evidence_store_is_refused(group, whose):
    """``nitet --db a.db merge b.db --into a-evidence/g.db`` once made the group database (and its
    own store) inside a.db's evidence store, where `nitet doctor` then warned of foreign files."""
    a, b, _into = group
    store = a.db_path.parent / "nitet-evidence"
    assert store.is_dir()
    if whose == "db-through-a-link":  # another name of the store is the store
        (a.db_path.parent.parent / "store-link").symlink_to(store, target_is_directory=True)
        into = a.db_path.parent.parent / "store-link" / "g.db"
    else:
        into = store / "g.db"
    before, files = a.snapshot(), tree(store)
    runner = a if whose != "source" else Nitet(b.db_path.parent / "elsewhere.db")  # a.db a source, not --db
    sources = [b.db_path] if whose != "source" else [a.db_path, b.db_path]
    result = runner("merge", *sources, "--into", into, ok=False)
    assert result.exit_code == EXIT_OUTPUT and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "ที่เก็บหลักฐาน" in result.stderr and str(a.db_path) in result.stderr
    assert not into.exists() and tree(store) == files and a.snapshot() == before
    assert not (b.db_path.parent / "elsewhere.db").exists()


def by_supervisor(result: dict) -> dict:
    return {c["name"]: c for c in result["per_supervisor"]}


def test_merge_into_a_new_group_database(group, tmp_path):
    a, b, into = group
    into.parent.mkdir()
    runner = Nitet(into)
    result = runner.json("merge", a.db_path, b.db_path, "--into", into)
    assert result["manual_copied"] is True
    counts = by_supervisor(result)
    assert counts[MALI]["added"] == 4 and counts[MALI]["total"] == 4
    assert counts[SOMCHAI]["added"] == 3 and counts[SOMCHAI]["total"] == 3
    assert result["activities_added"] == 7 and result["files_copied"] == 5 and result["conflicts"] == []

    # Each activity keeps its supervisor.
    merged = content(into)["activities"]
    for source in (a, b):
        own = content(source.db_path)["activities"]
        assert {uuid: merged[uuid] for uuid in own} == own
    rows = query(
        into, "SELECT s.name, count(*) FROM activities a JOIN supervisors s ON s.id = a.supervisor_id GROUP BY s.name"
    )
    assert dict(rows) == {MALI: 4, SOMCHAI: 3}
    # A school known in both databases under one code is one school.
    assert query(into, "SELECT count(*) FROM schools") == [(len(SCHOOLS),)]
    assert query(into, "SELECT count(*) FROM schools WHERE code = '57010001'") == [(1,)]
    # Merged-in supervisors are never the group database's own.
    assert query(into, "SELECT count(*) FROM supervisors WHERE is_self = 1") == [(0,)]
    # The manual came from the first source, as stored.
    assert query(into, "SELECT id, activity, standard, target, retired_at FROM standards ORDER BY id") == query(
        a.db_path, "SELECT id, activity, standard, target, retired_at FROM standards ORDER BY id"
    )
    # Evidence files copied into the group's store and intact.
    files = store_files(into)
    assert (
        len(files) == 5
        and all(k in files for k in store_files(a.db_path))
        and all(k in files for k in store_files(b.db_path))
    )
    conn = connect(into)
    try:
        report = doctor(conn, into)
    finally:
        conn.close()
    assert report.ok and report.evidence_checked == 5
    assert oct(os.stat(into).st_mode & 0o777) == oct(0o600)


def test_merge_again_adds_nothing_and_counts_per_supervisor(group):
    a, b, into = group
    into.parent.mkdir()
    runner = Nitet(into)
    runner("merge", a.db_path, b.db_path, "--into", into)
    snapshot, files = runner.snapshot(), store_files(into)
    again = runner.json("merge", a.db_path, b.db_path, "--into", into)
    assert again["changed"] is False and again["activities_added"] == 0 and again["files_copied"] == 0
    counts = by_supervisor(again)
    assert (counts[MALI]["unchanged"], counts[MALI]["total"]) == (4, 4)
    assert (counts[SOMCHAI]["unchanged"], counts[SOMCHAI]["total"]) == (3, 3)
    assert runner.snapshot() == snapshot and store_files(into) == files
    human = runner("merge", a.db_path, a.db_path, b.db_path, "--into", into)  # a file named twice counts once
    assert f"{MALI}: เพิ่ม 0, ปรับปรุง 0, เหมือนเดิม 4 — รวม 4 กิจกรรม" in human.stdout
    assert "ไม่มีอะไรเปลี่ยน" in human.stdout


def test_merge_into_the_default_database_keeps_one_self(group):
    """Merging a colleague's database into one's own (--db): one's own profile stays the only is_self."""
    a, b, _into = group
    before_self = query(a.db_path, "SELECT uuid, name FROM supervisors WHERE is_self = 1")
    result = a.json("merge", b.db_path)
    assert by_supervisor(result)[SOMCHAI]["added"] == 3 and result["manual_copied"] is False
    assert query(a.db_path, "SELECT uuid, name FROM supervisors WHERE is_self = 1") == before_self
    assert query(a.db_path, "SELECT is_self FROM supervisors WHERE name = ?", (SOMCHAI,)) == [(0,)]
    assert query(a.db_path, "SELECT count(*) FROM activities") == [(7,)]


def test_sources_are_opened_read_only(group):
    a, b, into = group
    into.parent.mkdir()
    for source in (a, b):
        os.chmod(source.db_path, 0o444)
    before = {p: p.read_bytes() for p in (a.db_path, b.db_path)}
    Nitet(into)("merge", a.db_path, b.db_path, "--into", into)
    assert {p: p.read_bytes() for p in before} == before
    for p in before:  # SQLite may leave an empty WAL beside a WAL database read read-only; never content
        assert not os.path.exists(f"{p}-wal") or os.path.getsize(f"{p}-wal") == 0


def test_disagreement_is_reported_and_the_newer_kept(group, tmp_path):
    """A supervisor's backup copy edited later: the same UUIDs, a later updated_at."""
    a, _b, into = group
    into.parent.mkdir()
    copy_path = tmp_path / "mali-laptop" / "nitet.db"
    copy_path.parent.mkdir()
    a("backup", copy_path)
    uuid_newer, uuid_older = [r[0] for r in query(a.db_path, "SELECT uuid FROM activities ORDER BY id LIMIT 2")]
    conn = sqlite3.connect(copy_path)
    conn.execute(
        "UPDATE activities SET title = 'แก้ในเครื่องโน้ตบุ๊ก', updated_at = ? WHERE uuid = ?",
        (later(), uuid_newer),
    )
    conn.execute(
        "UPDATE activities SET findings = 'ฉบับเก่า', updated_at = '2020-01-01T00:00:00+00:00' WHERE uuid = ?",
        (uuid_older,),
    )
    conn.commit()
    conn.close()
    runner = Nitet(into)
    result = runner.json("merge", a.db_path, copy_path, "--into", into)
    conflicts = {c["key"]: c for c in result["conflicts"]}
    assert set(conflicts) == {uuid_newer, uuid_older}
    assert conflicts[uuid_newer]["kept"] == "source" and conflicts[uuid_newer]["fields"] == ["title"]
    assert conflicts[uuid_older]["kept"] == "target" and conflicts[uuid_older]["fields"] == ["findings"]
    titles = dict(query(into, "SELECT uuid, title FROM activities"))
    assert titles[uuid_newer] == "แก้ในเครื่องโน้ตบุ๊ก"
    assert query(into, "SELECT findings FROM activities WHERE uuid = ?", (uuid_older,)) != [("ฉบับเก่า",)]
    assert by_supervisor(result)[MALI]["total"] == 4  # one supervisor, not two
    human = runner("merge", copy_path, "--into", into)
    assert "ไม่ตรงกันที่ findings" in human.stdout


# --- refused ----------------------------------------------------------------------------------


def _foreign(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO contacts (name) VALUES ('ครูสมศรี')")
    conn.commit()
    conn.close()


def _corrupt(source, path):
    shutil.copyfile(source, path)
    with open(path, "r+b") as handle:
        handle.seek(4096 * 3)  # the root pages of the tables: every b-tree page header becomes invalid
        handle.write(b"\xff" * 4096 * 25)


@pytest.mark.parametrize(
    "kind", ["foreign", "corrupt", "not sqlite", "empty sqlite", "empty file", "newer nitet", "missing"]
)
def test_bad_source_is_refused_and_target_unchanged(group, tmp_path, kind):
    a, b, _into = group
    bad = tmp_path / f"bad-{kind.replace(' ', '-')}.db"
    if kind == "foreign":
        _foreign(bad)
    elif kind == "corrupt":
        _corrupt(b.db_path, bad)
    elif kind == "not sqlite":
        bad.write_text("ไม่ใช่ฐานข้อมูล\n" * 100, encoding="utf-8")
    elif kind == "empty sqlite":
        conn = sqlite3.connect(bad)
        conn.execute("PRAGMA user_version = 1")  # a valid SQLite file with no tables
        conn.close()
        assert bad.stat().st_size > 0
    elif kind == "empty file":
        bad.write_bytes(b"")
    elif kind == "newer nitet":
        shutil.copyfile(b.db_path, bad)
        conn = sqlite3.connect(bad)
        conn.execute("INSERT INTO _nitet_migrations (name, applied_at) VALUES ('m999_future', '2030-01-01')")
        conn.commit()
        conn.close()
    snapshot, files, raw = a.snapshot(), store_files(a.db_path), a.db_path.read_bytes()
    result = a("merge", b.db_path, bad, ok=False)  # the good one first: still nothing written
    assert result.exit_code == (EXIT_NOT_FOUND if kind == "missing" else EXIT_DATABASE), result.output
    assert result.stderr.startswith("ข้อผิดพลาด: ") and str(bad) in result.stderr
    assert "Traceback" not in result.output
    assert a.snapshot() == snapshot and store_files(a.db_path) == files and a.db_path.read_bytes() == raw


def test_refused_merge_leaves_no_new_target_behind(group, tmp_path):
    a, _b, into = group
    bad = tmp_path / "contacts.db"
    _foreign(bad)
    into.parent.mkdir()
    result = Nitet(into)("merge", a.db_path, bad, "--into", into, ok=False)
    assert result.exit_code == EXIT_DATABASE and "ไม่ใช่ของ nitet" in result.stderr
    assert sorted(p.name for p in into.parent.iterdir()) == []


def test_foreign_target_is_refused_untouched(group, tmp_path):
    a, _b, _into = group
    target = tmp_path / "contacts.db"
    _foreign(target)
    before = target.read_bytes()
    result = Nitet(target)("merge", a.db_path, ok=False)
    assert result.exit_code == EXIT_DATABASE and "ไม่ใช่ของ nitet" in result.stderr
    assert target.read_bytes() == before and not os.path.exists(f"{target}-wal")


def test_missing_evidence_file_in_a_source_is_refused(group):
    a, b, _into = group
    victim = next(p for p in (b.db_path.parent / "nitet-evidence").rglob("*") if p.is_file())
    victim.unlink()
    snapshot = a.snapshot()
    result = a("merge", b.db_path, ok=False)
    assert result.exit_code == EXIT_NOT_FOUND and "doctor" in result.stderr
    assert a.snapshot() == snapshot


def test_target_manual_without_a_standard_is_named(group, tmp_path):
    import yaml

    _a, b, into = group
    into.parent.mkdir()
    data = yaml.safe_load(manual_for("หัวหน้ากลุ่ม", tmp_path).read_text(encoding="utf-8"))
    duty7 = next(d for d in data["duties"] if d["number"] == 7)
    duty7["standards"] = [s for s in duty7["standards"] if s["step"] != 4]
    manual = tmp_path / "head.yaml"
    manual.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    head = Nitet(into)
    head("init", "--manual", manual)
    snapshot = head.snapshot()
    result = head("merge", b.db_path, ok=False)
    assert result.exit_code == EXIT_NOT_FOUND and "'7.4'" in result.stderr
    assert head.snapshot() == snapshot


def test_merging_the_target_into_itself_is_refused(group):
    a, _b, _into = group
    result = a("merge", a.db_path, ok=False)
    assert result.exit_code == EXIT_INPUT and "ปลายทางเอง" in result.stderr


# --- progress -----------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _ctx(quiet: bool) -> typer.Context:
    from typer.core import TyperCommand

    return typer.Context(TyperCommand("merge"), obj=State(quiet=quiet))


def test_progress_bar_only_on_a_terminal_and_not_with_quiet(monkeypatch):
    from nitet_cli.cli import common as cli_common

    monkeypatch.setattr(cli_common, "PROGRESS_AFTER_SECONDS", 0.0)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli_common.progress_reporter(_ctx(quiet=True)) as update:
        assert update is None
    with cli_common.progress_reporter(_ctx(quiet=False)) as update:
        assert update is not None
        update("รวมกิจกรรม", 5, 10)
        update("รวมกิจกรรม", 10, 10)
    assert "รวมกิจกรรม" in terminal.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    with cli_common.progress_reporter(_ctx(quiet=False)) as update:
        assert update is None


def test_merge_through_the_cli_is_silent_on_stderr_when_not_a_terminal(group):
    a, b, _into = group
    result = a("merge", b.db_path)
    assert result.stderr == ""


def test_merge_an_older_schema_without_upgrading_it(tmp_path, monkeypatch):
    """A colleague's database from an older nitet (schema v1) is read as it is, never upgraded."""
    monkeypatch.delenv("NITET_DB", raising=False)
    fixtures = Path(__file__).resolve().parent / "fixtures"
    old = tmp_path / "schema_v1.db"
    shutil.copyfile(fixtures / "schema_v1.db", old)
    shutil.copytree(fixtures / "schema_v1-evidence", tmp_path / "schema_v1-evidence")
    before = old.read_bytes()
    into = tmp_path / "group.db"
    result = Nitet(into).json("merge", old, "--into", into)
    counts = by_supervisor(result)
    assert (counts["นายรณชัย สิงห์คำ"]["added"], counts["นางสาวมาลี ใจดี"]["added"]) == (2, 1)
    assert result["manual_copied"] is True and result["files_copied"] == 1
    assert old.read_bytes() == before
    assert query(old, "SELECT count(*) FROM _nitet_migrations") == [(1,)]
    # The retired standard the old entry points to came along with the manual, still retired.
    assert query(into, "SELECT retired_at IS NOT NULL FROM standards WHERE id = '9.1'") == [(1,)]
    assert query(into, "SELECT count(*) FROM supervisors WHERE is_self = 1") == [(0,)]


KILL_MID_MERGE = r"""
import sys, time
from pathlib import Path
import nitet_cli.db as db

real_connect = db.connect

def connect(*args, **kwargs):
    conn = real_connect(*args, **kwargs)
    seen = [0]
    def trace(sql):
        if sql.startswith("INSERT INTO activities"):
            seen[0] += 1
            if seen[0] == 3:  # inside the one transaction, part way through
                sys.stdout.write("MID\n")
                sys.stdout.flush()
                time.sleep(600)
    conn.set_trace_callback(trace)
    return conn

db.connect = connect
from nitet_cli.merge import merge
merge(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
"""


def test_a_merge_killed_half_way_leaves_the_target_as_it_was(group):
    """SIGKILL (which no code can catch) inside the merge's transaction: nothing of it stays in the database."""
    import signal
    import subprocess

    a, b, _into = group
    snapshot = a.snapshot()
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_MID_MERGE, str(a.db_path), str(b.db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline()
    assert line.strip() == "MID", (line, child.stderr.read())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=60)
    assert a.snapshot() == snapshot
    conn = connect(a.db_path)
    try:
        report = doctor(conn, a.db_path)
    finally:
        conn.close()
    # Files copied into the store before the transaction are at most unused (a warning), never missing.
    assert report.ok, [p.message for p in report.problems]
    assert {p.code for p in report.problems} <= {"stray_file"}
    result = a.json("merge", b.db_path)  # and the merge simply runs again
    assert by_supervisor(result)[SOMCHAI]["added"] == 3
    conn = connect(a.db_path)
    try:
        assert doctor(conn, a.db_path).problems == []
    finally:
        conn.close()
