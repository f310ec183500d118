"""Issue 9, items 2 and 4: evidence is never deleted from under an entry, and a file is stored
from one read, as it was, or refused.

Item 2 is proved with forced interleavings: one thread is paused at the critical moment (a
hook around the function it is in) while another command runs, then let go. Each test names
the moment. Item 4: a file that changes, vanishes, grows or is not a regular file (a FIFO,
``/dev/zero``, ``<(cat x)``) is stored whole from one read or refused in one Thai sentence,
and a refusal leaves no row and no file in the store.

Also (issue 9, smaller holes): ``doctor --fix`` removes the stray files a killed command
leaves in the store, and never a file an entry uses or a copy a live command is making.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from conftest import Nitet
from exchange_data import supervisor_db
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nitet_cli import activities, editing, evidence_store, exchange
from nitet_cli.activities import EvidenceInput, NewActivity, add_activity
from nitet_cli.db import connect
from nitet_cli.editing import add_evidence, delete_activity
from nitet_cli.errors import EXIT_INPUT, EXIT_NOT_FOUND, DatabaseError, NitetError
from nitet_cli.evidence_store import stored_path
from nitet_cli.exchange import apply as exchange_apply
from nitet_cli.maintenance import doctor

#: Only a guard against a test that would otherwise hang; nothing is timed.
WAIT = 60

PHOTO = b"\xff\xd8\xff\xe0" + "ภาพห้องเรียน ป.๑ ".encode() + bytes(range(256)) * 40


class Worker(threading.Thread):
    """Runs ``job(conn)`` on a connection of its own (as a second nitet process would)."""

    def __init__(self, name: str, db: Path, job):
        super().__init__(name=name, daemon=True)
        self.db, self.job = db, job
        self.result = self.error = None

    def run(self) -> None:
        conn = connect(self.db, create=False)
        try:
            self.result = self.job(conn)
        except BaseException as exc:  # handed to the test
            self.error = exc
        finally:
            conn.close()

    def finish(self) -> None:
        self.join(WAIT)
        assert not self.is_alive(), f"{self.name} is stuck"


def in_thread(name: str) -> bool:
    return threading.current_thread().name == name


def pause_after(monkeypatch, module, name: str, *, thread: str | None = None):
    """Hold every call of ``module.name`` (made in ``thread``, when given) once it has returned,
    until the test lets it go: returns the events (reached, resume)."""
    reached, resume = threading.Event(), threading.Event()
    real = getattr(module, name)

    def paused(*args, **kwargs):
        result = real(*args, **kwargs)
        if thread is None or in_thread(thread):
            reached.set()
            assert resume.wait(WAIT)
        return result

    monkeypatch.setattr(module, name, paused)
    return reached, resume


def store_listing(db: Path) -> list[str]:
    root = db.with_name(f"{db.stem}-evidence")
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []


def doctor_of(db: Path):
    conn = connect(db, create=False)
    try:
        return doctor(conn, db)
    finally:
        conn.close()


def assert_every_file_there(db: Path) -> None:
    report = doctor_of(db)
    assert report.ok, [p.message for p in report.problems]
    assert report.evidence_checked == report.evidence_files


@pytest.fixture
def shared(initialised, tmp_path):
    """Entry 1 (a visit) carries the photo; entry 2 (a meeting) has no evidence."""
    nitet = initialised
    photo = tmp_path / "ห้องเรียน.jpg"
    photo.write_bytes(PHOTO)
    nitet("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    nitet("log-visit", "-s", "ดอยงาม", "-t", "นิเทศการอ่าน", "-e", photo)
    nitet("log", "7.4", "--kind", "meeting", "-t", "ประชุมกลุ่ม")
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert stored_path(nitet.db_path, sha).is_file()
    return nitet, photo, sha


def new_visit(photo: Path) -> NewActivity:
    return NewActivity(
        date=date(2026, 11, 20),
        title="นิเทศซ้ำด้วยภาพเดิม",
        standards=["7.4"],
        kind="meeting",
        evidence=[EvidenceInput(path=photo, caption="ภาพเดิม")],
    )


# --- item 2: storing and "no longer used" are serialized with the database writes ---------------------


def test_an_entry_recorded_while_the_only_other_entry_with_its_photo_is_deleted_keeps_the_photo(shared, monkeypatch):
    """The issue's case: `log -e photo.jpg` has copied (old code: decided the photo is already
    stored) when `delete 1 --yes` removes the only other entry using it and its file."""
    nitet, photo, sha = shared
    stored, resume = pause_after(monkeypatch, activities, "store_evidence_files", thread="writer")
    writer = Worker("writer", nitet.db_path, lambda conn: add_activity(conn, nitet.db_path, new_visit(photo)))
    writer.start()
    assert stored.wait(WAIT)
    nitet("delete", "1", "--yes")  # while the writer waits between the copy and its transaction
    resume.set()
    writer.finish()
    assert writer.error is None, writer.error
    assert nitet.query("SELECT count(*) FROM evidence WHERE sha256 = ?", (sha,)) == [(1,)]
    assert stored_path(nitet.db_path, sha).read_bytes() == PHOTO
    assert_every_file_there(nitet.db_path)


def _pause_after_deciding_unused(monkeypatch, thread: str, armed=lambda: True):
    """Pause ``thread`` where it has looked and found no row for the hash, before the unlink
    (the look is followed by ``unused_files``); go on once the writer is at its transaction."""
    decided, writer_at_lock = threading.Event(), threading.Event()
    real_unused_files = evidence_store.unused_files

    def looked(db_path, sha, names):
        if in_thread(thread) and armed() and not names and not decided.is_set():
            decided.set()
            assert writer_at_lock.wait(WAIT)
        return real_unused_files(db_path, sha, names)

    real_transaction = activities.transaction

    def transaction(conn):
        if in_thread("writer"):
            writer_at_lock.set()  # the writer has stored its copy and now asks for the write lock
        return real_transaction(conn)

    monkeypatch.setattr(evidence_store, "unused_files", looked)
    monkeypatch.setattr(activities, "transaction", transaction)
    return decided


def test_a_delete_that_found_a_photo_unused_does_not_remove_it_under_an_entry_recorded_meanwhile(shared, monkeypatch):
    """`delete` has committed and looked: no row uses the photo. Before it removes the file, a new
    entry with the same photo is recorded. The file stays (old code: removed under the new entry)."""
    nitet, photo, sha = shared
    decided = _pause_after_deciding_unused(monkeypatch, "deleter")
    deleter = Worker("deleter", nitet.db_path, lambda conn: delete_activity(conn, nitet.db_path, 1))
    deleter.start()
    assert decided.wait(WAIT)
    writer = Worker("writer", nitet.db_path, lambda conn: add_activity(conn, nitet.db_path, new_visit(photo)))
    writer.start()
    deleter.finish()
    writer.finish()
    assert deleter.error is None and writer.error is None, (deleter.error, writer.error)
    assert nitet.query("SELECT count(*) FROM activities WHERE id = 1") == [(0,)]
    assert stored_path(nitet.db_path, sha).read_bytes() == PHOTO
    assert_every_file_there(nitet.db_path)


def test_evidence_added_while_the_same_photo_is_removed_from_another_entry_keeps_the_file(shared, monkeypatch):
    """`evidence add 2 photo.jpg` has copied when `evidence remove 1 --yes` detaches the photo from entry 1."""
    nitet, photo, sha = shared
    stored, resume = pause_after(monkeypatch, editing, "store_evidence_files", thread="writer")
    writer = Worker(
        "writer", nitet.db_path, lambda conn: add_evidence(conn, nitet.db_path, 2, [EvidenceInput(path=photo)])
    )
    writer.start()
    assert stored.wait(WAIT)
    nitet("evidence", "remove", "1", "--yes")
    resume.set()
    writer.finish()
    assert writer.error is None, writer.error
    assert nitet.query("SELECT activity_id FROM evidence WHERE sha256 = ?", (sha,)) == [(2,)]
    assert stored_path(nitet.db_path, sha).read_bytes() == PHOTO
    assert_every_file_there(nitet.db_path)


@pytest.fixture
def export_with_photo(tmp_path, monkeypatch):
    """A colleague's export (.zip) with one photo, that photo's file, and an empty target database."""
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    source = supervisor_db(tmp_path / "a" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "work-a", visits=1)
    archive = tmp_path / "a.zip"
    source("export", "--with-evidence", "-o", archive)
    photo = tmp_path / "work-a" / "ภาพ นางสาวมาลี ใจดี 0.jpg"
    (tmp_path / "b").mkdir()
    target = Nitet(tmp_path / "b" / "nitet.db")
    target("init")
    return archive, photo, target


def test_a_failed_import_does_not_take_back_a_file_an_entry_committed_meanwhile_uses(export_with_photo, monkeypatch):
    """An import copied the colleague's photo, then its transaction failed; while it takes its copy
    away again (it has looked: no row), the owner records an entry with the same photo."""
    archive, photo, target = export_with_photo
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    failed = threading.Event()

    def broken(*args, **kwargs):
        failed.set()
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(exchange_apply, "apply_sources", broken)
    decided = _pause_after_deciding_unused(monkeypatch, "importer", armed=failed.is_set)
    importer = Worker("importer", target.db_path, lambda conn: exchange.import_export(conn, target.db_path, archive))
    importer.start()
    assert decided.wait(WAIT)
    writer = Worker("writer", target.db_path, lambda conn: add_activity(conn, target.db_path, new_visit(photo)))
    writer.start()
    importer.finish()
    writer.finish()
    assert isinstance(importer.error, DatabaseError) and writer.error is None, (importer.error, writer.error)
    assert target.query("SELECT count(*) FROM evidence WHERE sha256 = ?", (sha,)) == [(1,)]
    assert stored_path(target.db_path, sha).is_file()
    assert_every_file_there(target.db_path)


def test_an_import_that_saw_a_photo_already_stored_brings_it_again_if_it_is_deleted_before_its_transaction(
    export_with_photo, monkeypatch
):
    """The target already had the photo (entry 1), so the import planned no copy; entry 1 is deleted
    (and its file with it) before the import's transaction. The imported entry still gets its file."""
    archive, photo, target = export_with_photo
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    target("log", "7.4", "--kind", "meeting", "-t", "ประชุม", "-e", photo)
    copied, resume = pause_after(monkeypatch, exchange_apply, "store_files")
    importer = Worker("importer", target.db_path, lambda conn: exchange.import_export(conn, target.db_path, archive))
    importer.start()
    assert copied.wait(WAIT)
    target("delete", "1", "--yes")
    assert not stored_path(target.db_path, sha).exists()
    resume.set()
    importer.finish()
    assert importer.error is None, importer.error
    assert target.query("SELECT count(*) FROM evidence WHERE sha256 = ?", (sha,)) == [(1,)]
    assert stored_path(target.db_path, sha).read_bytes() == photo.read_bytes()
    assert_every_file_there(target.db_path)


# --- item 4: one read, regular files only, a size limit ------------------------------------------------


@pytest.fixture
def entry(initialised, tmp_path):
    initialised("log", "7.4", "--kind", "meeting", "-t", "ประชุม")
    return initialised


class Hashing:
    """Stands in for hashlib in the evidence store: calls ``on_update`` (after the first chunk was
    read) or ``on_digest`` (when the hash is asked for) once, for the first file hashed."""

    def __init__(self, on_update=None, on_digest=None):
        self.on_update, self.on_digest = on_update, on_digest
        self.fired = False

    def fire(self, hook) -> None:
        if hook and not self.fired:
            self.fired = True
            hook()

    def sha256(self):
        hooks = self

        class Digest:
            def __init__(self):
                self.inner = hashlib.sha256()
                self.updates = 0

            def update(self, data):
                self.inner.update(data)
                self.updates += 1
                if self.updates == 1:
                    hooks.fire(hooks.on_update)

            def hexdigest(self):
                hooks.fire(hooks.on_digest)
                return self.inner.hexdigest()

        return Digest()


def assert_refused_and_nothing_written(nitet, result, code: int, *words: str, before=None, files=None) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output and result.stderr.startswith("ข้อผิดพลาด: ")
    assert len(result.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in result.stderr
    if before is not None:
        assert nitet.snapshot() == before
    if files is not None:
        assert store_listing(nitet.db_path) == files  # no row, and no temporary file left in the store


def test_a_file_rewritten_after_it_was_hashed_is_stored_as_it_was_read(entry, tmp_path, monkeypatch):
    """Old code hashed in one read and copied in a second: the new content went in under the old hash."""
    photo = tmp_path / "p.jpg"
    photo.write_bytes(PHOTO)
    monkeypatch.setattr(
        evidence_store, "hashlib", Hashing(on_digest=lambda: photo.write_bytes(b"rewritten by the camera app"))
    )
    entry("evidence", "add", "1", photo)
    [(sha,)] = entry.query("SELECT sha256 FROM evidence")
    assert sha == hashlib.sha256(PHOTO).hexdigest()
    assert stored_path(entry.db_path, sha).read_bytes() == PHOTO
    assert_every_file_there(entry.db_path)


def test_a_file_changed_while_it_is_being_copied_is_refused(entry, tmp_path, monkeypatch):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(PHOTO)
    before, files = entry.snapshot(), store_listing(entry.db_path)

    def append():
        with open(photo, "ab") as handle:
            handle.write(b" more")

    monkeypatch.setattr(evidence_store, "CHUNK", 1000)
    monkeypatch.setattr(evidence_store, "hashlib", Hashing(on_update=append))
    result = entry("evidence", "add", "1", photo, ok=False)
    assert_refused_and_nothing_written(entry, result, EXIT_INPUT, str(photo), "ระหว่างบันทึก", before=before, files=files)


def test_a_file_deleted_while_it_is_being_stored_is_stored_whole_from_the_one_read(entry, tmp_path, monkeypatch):
    """Old code: FileNotFoundError traceback from the second read."""
    photo = tmp_path / "p.jpg"
    photo.write_bytes(PHOTO)
    monkeypatch.setattr(evidence_store, "hashlib", Hashing(on_update=photo.unlink))
    entry("evidence", "add", "1", photo)
    sha = hashlib.sha256(PHOTO).hexdigest()
    assert entry.query("SELECT sha256 FROM evidence") == [(sha,)]
    assert stored_path(entry.db_path, sha).read_bytes() == PHOTO
    assert_every_file_there(entry.db_path)


def test_a_file_that_vanishes_before_it_is_read_is_one_sentence_exit_3(entry, tmp_path, monkeypatch):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(PHOTO)
    before, files = entry.snapshot(), store_listing(entry.db_path)
    real = evidence_store.check_readable  # looked up when an entry has files (activities loads it then)

    def checked_then_gone(path):
        result = real(path)
        photo.unlink()
        return result

    monkeypatch.setattr(evidence_store, "check_readable", checked_then_gone)
    result = entry("evidence", "add", "1", photo, ok=False)
    assert_refused_and_nothing_written(entry, result, EXIT_NOT_FOUND, str(photo), before=before, files=files)


def test_a_file_that_vanishes_between_its_check_and_its_opening_is_one_sentence_exit_3(entry, tmp_path, monkeypatch):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(PHOTO)
    before, files = entry.snapshot(), store_listing(entry.db_path)
    real = evidence_store._check_kind
    checks = []

    def checked_then_gone(path, st):
        real(path, st)
        checks.append(path)
        if len(checks) == 2:  # the first when the command checks its input, the second just before opening
            photo.unlink()

    monkeypatch.setattr(evidence_store, "_check_kind", checked_then_gone)
    result = entry("evidence", "add", "1", photo, ok=False)
    assert_refused_and_nothing_written(
        entry, result, EXIT_NOT_FOUND, str(photo), "หายไประหว่างบันทึก", before=before, files=files
    )


def test_a_file_over_the_size_limit_is_refused_and_the_limit_named(entry, tmp_path, monkeypatch):
    monkeypatch.setattr(evidence_store, "MAX_FILE_BYTES", 2048)
    small, big = tmp_path / "small.jpg", tmp_path / "big.pdf"
    small.write_bytes(b"x" * 2048)
    big.write_bytes(b"x" * 2049)
    before, files = entry.snapshot(), store_listing(entry.db_path)
    result = entry("evidence", "add", "1", small, big, ok=False)  # all or nothing: the small one is not kept either
    assert_refused_and_nothing_written(
        entry, result, EXIT_INPUT, str(big), "2 KB", "ขีดจำกัด", before=before, files=files
    )
    entry("evidence", "add", "1", small)  # at the limit is fine


def test_a_file_that_grows_past_the_limit_while_it_is_read_is_refused(entry, tmp_path, monkeypatch):
    monkeypatch.setattr(evidence_store, "MAX_FILE_BYTES", 2048)
    monkeypatch.setattr(evidence_store, "CHUNK", 1000)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"y" * 2000)
    before, files = entry.snapshot(), store_listing(entry.db_path)

    def grow():
        with open(photo, "ab") as handle:
            handle.write(b"y" * 5000)

    monkeypatch.setattr(evidence_store, "hashlib", Hashing(on_update=grow))
    result = entry("evidence", "add", "1", photo, ok=False)
    assert_refused_and_nothing_written(entry, result, EXIT_INPUT, str(photo), "2 KB", before=before, files=files)


MUTATIONS = ["none", "append", "truncate", "rewrite in place, same size", "delete", "replace by rename"]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    content=st.binary(max_size=4000),
    chunk=st.integers(min_value=1, max_value=1500),
    mutation=st.sampled_from(MUTATIONS),
)
def test_a_file_changed_at_any_moment_of_its_read_is_stored_as_read_or_refused(
    entry, tmp_path, monkeypatch, content, chunk, mutation
):
    """Hostile shape: whatever happens to the file after its first chunk was read, the store never
    holds a file under a hash that is not its own, a refusal leaves nothing, and only a same-size
    rewrite within the file system's timestamp tick (which no copier can see) may be stored torn."""
    photo = tmp_path / "p.bin"
    photo.write_bytes(content)

    def mutate():
        if mutation == "append":
            with open(photo, "ab") as handle:
                handle.write(b"+")
        elif mutation == "truncate":
            os.truncate(photo, len(content) // 2)
        elif mutation == "rewrite in place, same size":
            with open(photo, "r+b") as handle:
                handle.write(bytes(255 - b for b in content))
        elif mutation == "delete":
            photo.unlink()
        elif mutation == "replace by rename":
            other = tmp_path / "other.bin"
            other.write_bytes(b"another file")
            os.replace(other, photo)

    monkeypatch.setattr(evidence_store, "CHUNK", chunk)
    monkeypatch.setattr(evidence_store, "hashlib", Hashing(on_update=mutate))
    before = entry.snapshot()
    conn = connect(entry.db_path, create=False)
    try:
        add_evidence(conn, entry.db_path, 1, [EvidenceInput(path=photo)])
    except NitetError as exc:
        assert exc.exit_code in (EXIT_INPUT, EXIT_NOT_FOUND) and mutation in (
            "append",
            "truncate",
            "rewrite in place, same size",
        )
        assert entry.snapshot() == before
    else:
        sha, size = conn.execute("SELECT sha256, size FROM evidence ORDER BY id DESC LIMIT 1").fetchone()
        stored = stored_path(entry.db_path, sha).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == sha and len(stored) == size
        if mutation != "rewrite in place, same size":
            assert stored == content
    finally:
        conn.close()
    assert not [p for p in store_listing(entry.db_path) if ".incoming-" in p]


def test_the_default_limit_is_200_mb():
    assert evidence_store.MAX_FILE_BYTES == 200 * 1024 * 1024
    assert evidence_store.size_text(evidence_store.MAX_FILE_BYTES) == "200 MB"


def run_nitet(db: Path, *args: str, shell: str | None = None) -> subprocess.CompletedProcess:
    """`nitet` in a process of its own: a hang fails the test instead of stopping the suite."""
    command = [sys.executable, "-m", "nitet_cli", "--db", str(db), *args]
    if shell is not None:
        command = ["bash", "-c", shell, *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=WAIT, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "<(cat x)", "folder"])
def test_only_a_regular_file_can_be_evidence(entry, tmp_path, kind):
    """A FIFO and /dev/zero hung for ever; <(cat x) gave SpecialFileError; now one sentence, exit 2."""
    if kind == "fifo":
        target = tmp_path / "ท่อ"
        os.mkfifo(target)
        result = run_nitet(entry.db_path, "evidence", "add", "1", str(target))
    elif kind == "/dev/zero":
        if not Path("/dev/zero").exists():
            pytest.skip("no /dev/zero here")
        result = run_nitet(entry.db_path, "evidence", "add", "1", "/dev/zero")
    elif kind == "folder":
        result = run_nitet(entry.db_path, "evidence", "add", "1", str(tmp_path))
    else:
        if shutil.which("bash") is None:
            pytest.skip("no bash for process substitution")
        (tmp_path / "x").write_bytes(PHOTO)
        result = run_nitet(entry.db_path, "evidence", "add", "1", shell=f'exec "$0" "$@" <(cat {tmp_path / "x"})')
    before = entry.snapshot()
    assert result.returncode == EXIT_INPUT, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.startswith("ข้อผิดพลาด: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert ("โฟลเดอร์" if kind == "folder" else "ไม่ใช่ไฟล์ธรรมดา") in result.stderr
    assert entry.query("SELECT count(*) FROM evidence") == [(0,)] and entry.snapshot() == before
    assert store_listing(entry.db_path) == []


# --- doctor --fix: stray files in the store ---------------------------------------------------------------


def test_doctor_fix_removes_unused_and_leftover_files_and_keeps_what_is_used_and_what_is_not_nitets(shared, tmp_path):
    nitet, photo, sha = shared
    store = nitet.db_path.with_name("nitet-evidence")
    unused = store / "ab" / ("ab" + "0" * 62)
    unused.parent.mkdir(exist_ok=True)
    unused.write_bytes(b"an entry deleted by an old nitet")
    leftovers = [store / ".incoming-k1ll3d", store / sha[:2] / ".incoming-x1y2"]
    for leftover in leftovers:
        leftover.write_bytes(b"half a photo")
    notes = store / "notes.txt"
    notes.write_text("ของผู้ใช้")
    before = nitet.snapshot()

    warned = nitet("doctor")
    assert "คำเตือน 4 รายการ" in warned.stdout and "doctor --fix" in warned.stdout
    assert unused.exists() and all(p.exists() for p in leftovers)  # doctor alone changes nothing

    report = nitet.json("doctor", "--fix")
    assert report["ok"] is True
    assert sorted(report["removed"]) == sorted(map(str, [unused, *leftovers]))
    assert [p["path"] for p in report["problems"]] == [str(notes)]  # not nitet's: reported, left alone
    assert notes.read_text() == "ของผู้ใช้" and not unused.exists() and not any(p.exists() for p in leftovers)
    assert stored_path(nitet.db_path, sha).read_bytes() == PHOTO
    assert nitet.snapshot() == before
    notes.unlink()
    assert "ไม่พบปัญหา" in nitet("doctor").stdout


def test_doctor_fix_leaves_the_copies_of_a_command_that_is_storing_now(shared, tmp_path):
    nitet, photo, sha = shared
    other = tmp_path / "อีกภาพ.jpg"
    other.write_bytes(b"another photo, being stored")
    conn = connect(nitet.db_path, create=False)
    try:
        with evidence_store.Staging(conn, nitet.db_path) as staging:
            got = staging.add(other)  # copied, waiting for its transaction
            report = nitet.json("doctor", "--fix")
            assert report["removed"] == []
            assert any("กำลังคัดลอก" in p["message"] for p in report["problems"])
            from nitet_cli.db import transaction

            with transaction(conn):
                staging.place()
                conn.execute(
                    "INSERT INTO evidence (uuid, activity_id, kind, sha256, original_name, media_type, size, caption, created_at)"
                    " VALUES ('e-live', 2, 'file', ?, 'อีกภาพ.jpg', 'image/jpeg', ?, '', '2026-11-24T00:00:00+07:00')",
                    (got.sha256, got.size),
                )
    finally:
        conn.close()
    assert stored_path(nitet.db_path, got.sha256).read_bytes() == other.read_bytes()
    assert "ไม่พบปัญหา" in nitet("doctor", "--fix").stdout


def test_doctor_fix_does_not_remove_files_when_the_database_is_damaged(shared):
    nitet, photo, sha = shared
    conn = sqlite3.connect(nitet.db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM activities WHERE id = 1")  # its evidence row now points nowhere
    conn.commit()
    conn.close()
    unused = nitet.db_path.with_name("nitet-evidence") / "cd" / ("cd" + "1" * 62)
    unused.parent.mkdir()
    unused.write_bytes(b"unused")
    result = nitet("doctor", "--fix", ok=False)
    assert result.exit_code == 1 and "ไม่ได้ลบไฟล์ที่ค้าง" in result.stdout
    assert unused.exists()


KILL_IN_MERGE = r"""
import sys, time
from pathlib import Path
import nitet_cli.db as db

real_connect = db.connect

def connect(*args, **kwargs):
    conn = real_connect(*args, **kwargs)
    def trace(sql):
        if sql.startswith("INSERT INTO activities"):  # inside the one transaction, the photos placed
            sys.stdout.write("MID\n")
            sys.stdout.flush()
            time.sleep(600)
    conn.set_trace_callback(trace)
    return conn

db.connect = connect
from nitet_cli.merge import merge
merge(Path(sys.argv[1]), [Path(sys.argv[2])])
"""


def test_a_merge_killed_in_a_new_target_leaves_strays_that_doctor_fix_removes(tmp_path, monkeypatch):
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    source = supervisor_db(tmp_path / "a" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "work-a", visits=2)
    into = tmp_path / "group" / "group.db"
    into.parent.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_IN_MERGE, str(into), str(source.db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = child.stdout.readline()
    assert line.strip() == "MID", (line, child.stderr.read())
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=WAIT)
    group = Nitet(into)
    assert group.query("SELECT count(*) FROM activities") == [(0,)]
    strays = [p for p in store_listing(into)]
    assert strays  # the photos placed inside the transaction the kill rolled back
    report = group.json("doctor")
    assert report["ok"] is True and {p["code"] for p in report["problems"]} == {"stray_file"}
    fixed = group.json("doctor", "--fix")
    assert fixed["problems"] == [] and fixed["removed"]
    assert not [p for p in into.with_name("group-evidence").rglob("*") if p.is_file()]
    group("merge", source.db_path, "--into", into)  # and the merge simply runs again
    assert group.json("doctor")["problems"] == []
