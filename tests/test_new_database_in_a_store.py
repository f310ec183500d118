"""A new database is never made inside an evidence store.

``nitet --db a-evidence/g.db init`` used to make ``g.db`` inside ``a.db``'s store (the
refusal of ``import``/``merge`` covered only those two commands): to ``nitet doctor`` on
``a.db`` it and its own store are foreign files of that store, mixed with ``a.db``'s photos.
Every command that would create the file (``init``, ``manual load``) now refuses it with one
sentence naming the store and a place outside it (exit 5, as ``merge --into`` does), and
writes nothing. A database already there is opened as before: the check runs only when a
database file is about to be created.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BUNDLED_MANUAL, Nitet
from exchange_data import supervisor_db

from nitet_cli.errors import EXIT_OUTPUT

MALI = "นางสาวมาลี ใจดี"


@pytest.fixture
def mali(tmp_path, monkeypatch) -> Nitet:
    """A supervisor's database with photos in its evidence store ``nitet-evidence/``."""
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    return supervisor_db(tmp_path / "mali" / "nitet.db", MALI, tmp_path / "work", visits=2)


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def refused(result, owner: Path, store: Path, db: Path) -> None:
    assert result.exit_code == EXIT_OUTPUT and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    message = result.stderr
    assert "ไม่สร้างฐานข้อมูล" in message and "ที่เก็บหลักฐาน" in message and str(owner) in message
    assert str(store.parent / db.name) in message  # what would be right: a folder outside the store


CREATING = {
    "init": ("init", "--name", "กลุ่มนิเทศ", "--office", "สพป.เชียงราย เขต 1"),
    "manual load": ("manual", "load", str(BUNDLED_MANUAL)),
}


@pytest.mark.parametrize("command", CREATING)
@pytest.mark.parametrize("where", ["in-the-store", "in-a-folder-of-the-store", "through-a-link"])
def test_a_new_database_inside_another_databases_store_is_refused(mali, tmp_path, command, where):
    store = mali.db_path.parent / "nitet-evidence"
    assert store.is_dir() and any(store.rglob("*.jpg"))
    if where == "in-the-store":
        db = store / "g.db"
    elif where == "in-a-folder-of-the-store":
        (store / "group").mkdir()
        db = store / "group" / "g.db"
    else:
        link = tmp_path / "store-link"
        link.symlink_to(store, target_is_directory=True)
        db = link / "g.db"
    files, before = tree(store), mali.snapshot()
    refused(Nitet(db)(*CREATING[command], ok=False), mali.db_path, store, db)
    assert not db.exists() and tree(store) == files and mali.snapshot() == before


def test_a_store_not_made_yet_is_still_the_databases(tmp_path, monkeypatch):
    """``a.db`` has no photo yet, so no ``a-evidence/``: its first photo would make it around ``g.db``."""
    monkeypatch.delenv("NITET_DB", raising=False)
    a = Nitet(tmp_path / "a.db")
    a("init")
    db = tmp_path / "a-evidence" / "g.db"
    refused(Nitet(db)("init", ok=False), a.db_path, tmp_path / "a-evidence", db)
    assert not (tmp_path / "a-evidence").exists()


def test_a_new_database_in_its_own_store_through_a_link_is_refused(tmp_path, monkeypatch):
    """``g-evidence`` is a link to the folder ``g.db`` would be made in."""
    monkeypatch.delenv("NITET_DB", raising=False)
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "g-evidence").symlink_to(folder, target_is_directory=True)
    db = folder / "g.db"
    result = Nitet(db)("init", ok=False)
    assert result.exit_code == EXIT_OUTPUT and "ไม่สร้างฐานข้อมูล" in result.stderr and str(db) in result.stderr
    assert not db.exists()


def test_a_database_already_in_a_store_still_opens(mali, tmp_path):
    """Made there by hand or by an older nitet: commands that open it are not refused (only
    creating is), so its owner can still read it, back it up and move it out."""
    store = mali.db_path.parent / "nitet-evidence"
    elsewhere = Nitet(tmp_path / "elsewhere" / "g.db")
    elsewhere.db_path.parent.mkdir()
    elsewhere("init")
    shutil.move(elsewhere.db_path, store / "g.db")
    g = Nitet(store / "g.db")
    g("log", "7.4", "--title", "ประชุมกลุ่ม", "--kind", "meeting")
    assert [t for (t,) in g.query("SELECT title FROM activities")] == ["ประชุมกลุ่ม"]
    g("backup", tmp_path / "out.db")
    assert (tmp_path / "out.db").is_file()


def test_a_folder_that_only_ends_in_evidence_is_an_ordinary_folder(tmp_path, monkeypatch):
    """No ``photos.db`` beside ``photos-evidence/``: a database may be made there."""
    monkeypatch.delenv("NITET_DB", raising=False)
    folder = tmp_path / "photos-evidence"
    folder.mkdir()
    g = Nitet(folder / "g.db")
    g("init")
    assert g.db_path.is_file()
