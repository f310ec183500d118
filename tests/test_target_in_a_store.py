"""A database written by ``merge`` (without ``--into``: into the ``--db`` itself) or ``import``
never lies inside an evidence store — another database's, a source's, or its own through a link.

``nitet --db a-evidence/g.db merge b.db`` used to make (or fill) ``g.db`` and its own store inside
``a.db``'s store, where ``nitet doctor`` on ``a.db`` then found foreign files: the check that
refuses ``merge --into a-evidence/g.db`` looked only at the stores of the databases named on the
command line, and ``a.db`` is not named there. ``import`` had no such check at all.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Nitet
from exchange_data import SCHOOLS, supervisor_db

from nitet_cli.errors import EXIT_OUTPUT

MALI = "นางสาวมาลี ใจดี"
SOMCHAI = "นายสมชาย รักเรียน"


@pytest.fixture
def two(tmp_path, monkeypatch):
    """Two supervisors' databases, each with photos in its evidence store."""
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    a = supervisor_db(tmp_path / "mali" / "nitet.db", MALI, tmp_path / "work-a", visits=2)
    b = supervisor_db(tmp_path / "somchai" / "nitet.db", SOMCHAI, tmp_path / "work-b", schools=SCHOOLS[:2], visits=1)
    return a, b


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def refused(result, owner: Path) -> None:
    assert result.exit_code == EXIT_OUTPUT and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "ที่เก็บหลักฐาน" in result.stderr and str(owner) in result.stderr


def made_there(db: Path) -> Nitet:
    """A database at ``db`` inside a store, copied in by hand or made by an older nitet (``init``
    no longer makes one there: tests/test_new_database_in_a_store.py)."""
    elsewhere = Nitet(db.parent.parent / "made-elsewhere" / db.name)
    elsewhere.db_path.parent.mkdir()
    elsewhere("init")
    shutil.move(elsewhere.db_path, db)
    return Nitet(db)


def place(a: Nitet, b: Nitet, whose: str) -> tuple[Path, Path, Path]:
    """(the --db path, the database whose store it is in, that store)."""
    if whose == "source":
        store = b.db_path.parent / "nitet-evidence"
        return store / "g.db", b.db_path, store
    store = a.db_path.parent / "nitet-evidence"
    if whose == "another-through-a-link":
        link = a.db_path.parent.parent / "store-link"
        link.symlink_to(store, target_is_directory=True)
        return link / "g.db", a.db_path, store
    return store / "g.db", a.db_path, store


@pytest.mark.parametrize("whose", ["another", "another-through-a-link", "source"])
def test_merge_into_the_db_itself_inside_an_evidence_store_is_refused(two, whose):
    """``nitet --db <store>/g.db merge b.db`` (no --into): ``another`` is a database the command
    line does not name; ``source`` one it merges (refused before this change too)."""
    a, b = two
    db, owner, store = place(a, b, whose)
    assert store.is_dir()
    files, before = tree(store), (a.snapshot(), b.snapshot())
    result = Nitet(db)("merge", b.db_path, ok=False)
    refused(result, owner)
    assert not db.exists() and tree(store) == files and (a.snapshot(), b.snapshot()) == before


def test_merge_into_an_existing_db_inside_another_databases_store_is_refused(two):
    """A database already there (copied in by hand, or made by an older nitet) is not filled either."""
    a, b = two
    store = a.db_path.parent / "nitet-evidence"
    g = made_there(store / "g.db")
    files, before = tree(store), g.snapshot()
    refused(g("merge", b.db_path, ok=False), a.db_path)
    assert tree(store) == files and g.snapshot() == before


@pytest.mark.parametrize("whose", ["another", "another-through-a-link", "its-own-through-a-link"])
def test_import_into_a_db_inside_an_evidence_store_is_refused(two, tmp_path, whose):
    a, b = two
    if whose == "its-own-through-a-link":  # g-evidence is a link to g.db's own folder
        folder = tmp_path / "shared"
        folder.mkdir()
        db, store = folder / "g.db", folder / "g-evidence"
        Nitet(db)("init")
        store.symlink_to(folder, target_is_directory=True)
        owner = db
    else:
        db, owner, store = place(a, b, whose)
        made_there(db)
    archive = tmp_path / "somchai.zip"
    b("export", "-o", archive)
    target = Nitet(db)
    files, before = tree(store), target.snapshot()
    refused(target("import", archive, ok=False), owner)
    assert tree(store) == files and target.snapshot() == before


def test_import_and_merge_elsewhere_still_work(two, tmp_path):
    """A folder whose name ends in -evidence but is no database's store is an ordinary folder."""
    a, b = two
    folder = tmp_path / "photos-evidence"  # no photos.db beside it
    folder.mkdir()
    g = Nitet(folder / "g.db")
    assert json.loads(g("merge", b.db_path, "--json").stdout)["activities_added"] == 2
    archive = tmp_path / "mali.zip"
    a("export", "-o", archive)
    assert g.json("import", archive)["activities_added"] == 3
