"""Issue 9, item 10 and two smaller holes: one Thai sentence and a documented exit code
instead of a traceback (or a hang, or a silent wrong load), and nothing written.

- a read-only database (file or disk): every write command says so — exit 4;
- a folder where the database's ``-shm`` cannot be made: said as such, not "damaged" — exit 4;
- a full disk for the database (``database or disk is full``) — exit 4;
- ``--db`` naming a FIFO (used to hang), a device, or ``--db ''`` (used to fall back to
  the default database);
- a manual whose numbers SQLite cannot hold, whose ``min_per_term`` loads but then breaks
  every ``status``/``report``, ``target: {kind: [x]}``, a duplicate key, a required text
  made only of control characters or lone surrogates — exit 2 at load.

SQLite decides a file is read-only when the operating system will not open it for
writing; as root (the CI container) no permission stops that, so the read-only cases
open the file the way SQLite does then (``mode=ro``: the same state, the same errors),
and the same cases run with real permissions when the tests are not run as root. A full
disk is SQLite's own "database or disk is full", produced by ``PRAGMA max_page_count``.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from stress_data import SMALL_MANUAL, write_manual_yaml

from nitet_cli import db as db_module
from nitet_cli.cli import app

ROOT = Path(__file__).resolve().parent.parent
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --- the database: read-only, its folder, a full disk ---------------------------------------------


@pytest.fixture
def filled(initialised, tmp_path):
    """A database with a school, an entry (with a link) and a file other commands can read."""
    initialised("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    initialised("log-visit", "-s", "57010001", "-t", "นิเทศครั้งแรก", "--link", "https://example.org/a")
    write_manual_yaml(tmp_path / "small.yaml")
    (tmp_path / "schools.csv").write_text("code,name,group\n57010009,โรงเรียนใหม่,บ้านคู่\n", encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 a photo")
    other = tmp_path / "other.db"
    initialised.runner.invoke(app, ["--db", str(other), "init"])
    return initialised


def write_commands(tmp_path: Path) -> list[tuple]:
    return [
        ("init",),
        ("manual", "load", tmp_path / "small.yaml"),
        ("school", "add", "--code", "57010002", "--name", "โรงเรียนบ้านดอยฮาง"),
        ("school", "import", tmp_path / "schools.csv"),
        ("term", "set", "2569", "2", "--start", "2026-11-02", "--end", "2027-03-31"),
        ("log", "7.3", "--title", "ประชุม"),
        ("log-visit", "-s", "57010001", "-t", "นิเทศครั้งที่สอง"),
        ("edit", "1", "--title", "แก้ชื่อ"),
        ("delete", "1", "--yes"),
        ("evidence", "add", "1", "https://example.org/b"),
        ("evidence", "remove", "1", "--yes"),
        ("merge", tmp_path / "other.db"),
    ]


def read_only_like_sqlite(monkeypatch, db_path: Path) -> None:
    """Every connection to ``db_path`` opens it read-only, as SQLite does when the operating
    system refuses to open the file for writing (a 0444 file, a read-only mount)."""
    real = sqlite3.connect

    def connect(database, *args, **kwargs):
        if not kwargs.get("uri") and Path(database) == db_path:
            return real(Path(database).as_uri() + "?mode=ro", *args, uri=True, **kwargs)
        return real(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


def store_listing(db_path: Path) -> list[str]:
    store = db_path.with_name(f"{db_path.stem}-evidence")
    return sorted(str(p.relative_to(store)) for p in store.rglob("*")) if store.exists() else []


@pytest.mark.parametrize("index", range(12))
def test_every_write_command_on_a_read_only_database_says_so(filled, tmp_path, monkeypatch, index):
    args = write_commands(tmp_path)[index]
    before, files = filled.snapshot(), store_listing(filled.db_path)
    read_only_like_sqlite(monkeypatch, filled.db_path)
    result = filled(*args, ok=False)
    assert result.exit_code == 4, (args, result.output)
    assert "ข้อผิดพลาด:" in result.stderr and "อ่านอย่างเดียว" in result.stderr and "Traceback" not in result.output
    assert str(filled.db_path) in result.stderr and "chmod" in result.stderr  # which file, and what to do
    monkeypatch.undo()
    assert filled.snapshot() == before and store_listing(filled.db_path) == files


def test_reading_a_read_only_database_still_works(filled, tmp_path, monkeypatch):
    read_only_like_sqlite(monkeypatch, filled.db_path)
    assert filled.json("status")["totals"]["activities"] == 1
    filled("report", "-o", tmp_path / "r.docx")
    filled("list")


@pytest.mark.skipif(IS_ROOT, reason="root writes through any permission: the mode=ro case above stands in")
@pytest.mark.parametrize("index", range(12))
def test_write_command_on_a_chmod_read_only_database(filled, tmp_path, index):
    args = write_commands(tmp_path)[index]
    before = filled.snapshot()
    filled.db_path.chmod(0o444)
    try:
        result = filled(*args, ok=False)
    finally:
        filled.db_path.chmod(0o600)
    assert result.exit_code == 4 and "อ่านอย่างเดียว" in result.stderr, (args, result.output)
    assert filled.snapshot() == before


@pytest.mark.skipif(IS_ROOT, reason="root writes into any folder")
def test_read_only_folder_without_shm_is_not_called_damaged(filled, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    conn = sqlite3.connect(filled.db_path)
    conn.execute(f"VACUUM INTO '{folder / 'group.db'}'")
    conn.close()
    copy = sqlite3.connect(folder / "group.db")
    copy.execute("PRAGMA journal_mode = WAL")
    copy.close()
    folder.chmod(0o555)
    try:
        result = filled.runner.invoke(app, ["--db", str(folder / "group.db"), "status"])
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 4
    assert "-shm" in result.stderr and "เขียนไม่ได้" in result.stderr and "เสียหาย" not in result.stderr.split("—")[0]


def test_shm_that_cannot_be_made_is_said_as_such(filled, monkeypatch):
    """SQLite's SQLITE_READONLY_DIRECTORY (a read-only folder, no -shm yet) on the first read:
    today's code called the file damaged ('ไม่ใช่ไฟล์ฐานข้อมูล SQLite ที่ใช้ได้')."""
    real = sqlite3.connect

    class NoShm:
        def __init__(self, conn):
            self._conn = conn

        def execute(self, sql, *args):
            error = sqlite3.OperationalError("attempt to write a readonly database")
            error.sqlite_errorcode, error.sqlite_errorname = 1544, "SQLITE_READONLY_DIRECTORY"
            raise error

        def __getattr__(self, name):
            return getattr(self._conn, name)

        def __setattr__(self, name, value):
            if name == "_conn":
                object.__setattr__(self, name, value)
            else:
                setattr(self._conn, name, value)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: NoShm(real(*a, **k)))
    result = filled("status", ok=False)
    assert result.exit_code == 4
    message = result.stderr
    assert f"{filled.db_path.name}-shm" in message and str(filled.db_path.parent) in message
    assert "ไม่ได้เสียหาย" in message and "ไม่ใช่ไฟล์ฐานข้อมูล SQLite" not in message


def disk_full(monkeypatch, db_path: Path) -> None:
    """Every connection to ``db_path`` may not grow the file: SQLite's SQLITE_FULL, as on a full disk."""
    real = db_module.connect

    def connect(path, **kwargs):
        conn = real(path, **kwargs)
        if Path(path) == db_path:
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")
        return conn

    monkeypatch.setattr(db_module, "connect", connect)


def test_full_disk_for_the_database_is_one_sentence_and_nothing_written(filled, tmp_path, monkeypatch):
    before = filled.snapshot()
    disk_full(monkeypatch, filled.db_path)
    big = "ผลการนิเทศ " * 20_000  # more than the free space of the file's pages
    result = filled("log", "7.3", "--title", "ประชุม", "--findings", big, ok=False)
    assert result.exit_code == 4, result.output
    assert "เต็ม" in result.stderr and "database or disk is full" in result.stderr and "Traceback" not in result.output
    monkeypatch.undo()
    assert filled.snapshot() == before
    filled("log", "7.3", "--title", "ประชุม", "--findings", big)  # with room again, it goes in


def test_fifo_as_database_is_refused_without_hanging(nitet, tmp_path):
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    nitet("init")  # a source for merge
    for args in (
        ("status",),
        ("init",),
        ("log", "7.3", "--title", "x"),
        ("merge", nitet.db_path),
        ("doctor",),
        ("backup", tmp_path / "b"),
    ):
        result = nitet.runner.invoke(app, ["--db", str(fifo), *map(str, args)])
        assert result.exit_code == 4, (args, result.output)
        assert "FIFO" in result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_device_as_database_is_refused(nitet):
    result = nitet.runner.invoke(app, ["--db", "/dev/null", "status"])
    assert result.exit_code == 4 and "อุปกรณ์" in result.stderr


def test_empty_db_option_is_refused_not_the_default_database(nitet, tmp_path, monkeypatch):
    """`nitet --db "$UNSET" log …` must not write into the per-user default database."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for args in (("--db", "", "init"), ("--db", " ", "status")):
        result = nitet.runner.invoke(app, list(args))
        assert result.exit_code == 2, result.output
        assert "--db ว่าง" in result.stderr
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_database_in_a_folder_that_cannot_be_made(nitet, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = nitet.runner.invoke(app, ["--db", str(blocker / "n.db"), "init"])
    assert result.exit_code == 4 and "สร้างฐานข้อมูล" in result.stderr


# --- a manual that loads but should not --------------------------------------------------------


def manual_with(tmp_path: Path, change) -> Path:
    import copy

    data = copy.deepcopy(SMALL_MANUAL)
    change(data)
    return write_manual_yaml(tmp_path / "bad.yaml", data)


def set_target(key, value):
    def change(data):
        data["duties"][0]["standards"][1]["target"][key] = value

    return change


BAD_MANUALS = {
    "step too big for SQLite": lambda d: d["duties"][0]["standards"][0].update(step=2**63),
    "step huge": lambda d: d["duties"][0]["standards"][0].update(step=10**30),
    "number too big for SQLite": lambda d: d["duties"][1].update(number=2**64),
    "number as 5000 digits": lambda d: d["duties"][1].update(number="9" * 5000),
    "min_per_term too big for SQLite": set_target("min_per_term", 2**63),
    "min_per_term huge": set_target("min_per_term", 10**6),
    "min_per_term zero": set_target("min_per_term", 0),
    "min_per_term negative": set_target("min_per_term", -2),
    "min_per_term float": set_target("min_per_term", 2.5),
    "min_per_term bool": set_target("min_per_term", True),
    "min_per_term list": set_target("min_per_term", [2]),
    "min_per_term missing": set_target("min_per_term", None),
    "kind a list": set_target("kind", ["x"]),
    "kind a mapping": set_target("kind", {"a": 1}),
    "school group of control characters": set_target("school_groups", ["\x01\x02"]),
    "title of control characters": lambda d: d["duties"][0].update(title="\x01\x02\x1f"),
    "activity of a lone surrogate": lambda d: d["duties"][0]["standards"][0].update(activity="\ud800"),
    "standard of zero-width marks": lambda d: d["duties"][0]["standards"][0].update(standard="\u200b\u200e\ufeff"),
    "name of DEL characters": lambda d: d["profile"].update(name="\x7f\x7f"),
}


@pytest.mark.parametrize("case", sorted(BAD_MANUALS))
def test_manual_that_would_break_later_is_refused_at_load(initialised, tmp_path, case):
    path = manual_with(tmp_path, BAD_MANUALS[case])
    before = initialised.snapshot()
    result = initialised("manual", "load", path, ok=False)
    assert result.exit_code == 2, (case, result.output)
    assert result.stderr.startswith("ข้อผิดพลาด:") and "Traceback" not in result.output
    assert initialised.snapshot() == before
    initialised("status")  # and nothing that was loaded breaks the figures


@pytest.mark.parametrize("minimum", [1, 2, 100, "๒"])
def test_every_accepted_min_per_term_works_in_status_and_report(initialised, tmp_path, minimum):
    initialised("manual", "load", manual_with(tmp_path, set_target("min_per_term", minimum)))
    initialised("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    initialised("log-visit", "-s", "57010001", "--standard", "1.2", "-t", "นิเทศ")
    data = initialised.json("status")
    (row,) = data["schools"]
    assert row["target"] == (2 if minimum == "๒" else minimum) and row["visits"] == 1
    initialised("report", "--format", "json", "-o", tmp_path / "r.json")
    initialised("report", "-o", tmp_path / "r.docx")


def test_duplicate_key_is_refused_with_its_line(initialised, tmp_path):
    """A second `duties:` used to replace the first silently and retire every row of it."""
    text = (ROOT / "data" / "duties.yaml").read_text(encoding="utf-8")
    text += (
        "\nduties:\n  - number: 1\n    title: เรื่องเดียว\n    standards:\n      - {step: 1, activity: ก, standard: ข}\n"
    )
    path = tmp_path / "twice.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("duties:", text.splitlines().index("duties:") + 1) + 1
    before = initialised.snapshot()
    result = initialised("manual", "load", path, ok=False)
    assert result.exit_code == 2
    assert "'duties' ซ้ำ" in result.stderr and f"บรรทัด {line}" in result.stderr, result.stderr
    assert initialised.snapshot() == before


@pytest.mark.parametrize(
    "text",
    [
        "manual: {title: a, title: b}\n",
        "profile:\n  name: ก\n  name: ข\n",
        "duties:\n  - number: 1\n    number: 2\n",
        "duties:\n  - {number: 1, title: ก, standards: [{step: 1, step: 1, activity: ก, standard: ข}]}\n",
    ],
)
def test_any_duplicate_mapping_key_is_refused(initialised, tmp_path, text):
    path = tmp_path / "dup.yaml"
    path.write_text(text, encoding="utf-8")
    result = initialised("manual", "load", path, ok=False)
    assert result.exit_code == 2 and "ซ้ำ" in result.stderr and "บรรทัด" in result.stderr


def test_text_of_control_characters_is_empty_everywhere(initialised):
    """The rule is clean_text's, so every required text refuses it: entries, schools."""
    for args in (
        ("log", "7.3", "--title", "\x7f\u200b"),
        ("school", "add", "--code", "57010001", "--name", "\x7f\u200e"),
    ):
        result = initialised(*args, ok=False)
        assert result.exit_code == 2, (args, result.output)
    assert initialised.query("SELECT count(*) FROM activities") == [(0,)]
    assert initialised.query("SELECT count(*) FROM schools") == [(0,)]
