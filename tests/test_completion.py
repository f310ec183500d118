"""Issue 6: shell completion of school codes and names, standard ids and template names from the database."""

from __future__ import annotations

import sqlite3

import pytest
from typer.main import get_command

from nitet_cli import completion as candidates
from nitet_cli.cli import app, completion
from nitet_cli.db import connect
from nitet_cli.schools import School, add_or_update_school

SCHOOLS = [
    ("57010001", "โรงเรียนบ้านคู่", "บ้านคู่"),
    ("57010002", "โรงเรียนบ้านคูเมือง", "บ้านคู่"),
    ("05701003", "โรงเรียนบ้านดอยฮาง", "พื้นที่สูง"),
    ("57020004", "โรงเรียนอนุบาลเชียงราย", ""),
]


@pytest.fixture
def db(initialised):
    conn = connect(initialised.db_path)
    for code, name, group in SCHOOLS:
        add_or_update_school(conn, School(code, name, group, "เมืองเชียงราย"))
    conn.close()
    return initialised.db_path


def context(*args: str):
    """The click context that completion sees: the command line parsed so far, callbacks not run."""
    return get_command(app).make_context("nitet", list(args), resilient_parsing=True)


def values(pairs):
    return [value for value, _help in pairs]


def test_school_codes_by_prefix_with_names_as_help(db):
    ctx = context("--db", str(db))
    assert completion.complete_school(ctx, "5701") == [("57010001", "โรงเรียนบ้านคู่"), ("57010002", "โรงเรียนบ้านคูเมือง")]
    assert values(completion.complete_school(ctx, "0")) == ["05701003"]  # leading zero kept
    assert values(completion.complete_school(ctx, "๕๗๐๒")) == [
        "๕๗๐๒๐๐๐๔"
    ]  # Thai digits typed, continued in Thai digits
    assert len(completion.complete_school(ctx, "")) == len(SCHOOLS)


def test_school_names_with_or_without_the_word_school(db):
    ctx = context("--db", str(db))
    assert sorted(completion.complete_school(ctx, "บ้านคู"), key=lambda pair: pair[1]) == [
        ("บ้านคู่", "57010001"),
        ("บ้านคูเมือง", "57010002"),
    ]
    assert completion.complete_school(ctx, "โรงเรียนบ้านดอย") == [("โรงเรียนบ้านดอยฮาง", "05701003")]
    assert completion.complete_school(ctx, "อนุบาล") == [("อนุบาลเชียงราย", "57020004")]
    assert completion.complete_school(ctx, "ไม่มีโรงเรียนนี้") == []
    assert completion.complete_school(ctx, "%") == []  # LIKE wildcards are literal


def test_every_candidate_starts_with_what_was_typed(db):
    """Typer (and the shells) drop candidates that do not start with the typed text."""
    ctx = context("--db", str(db))
    for typed in ("", "5", "057", "บ้าน", "โรงเรียน", "โรงเรียนบ้านคู", "อนุ"):
        found = completion.complete_school(ctx, typed)
        assert found and all(value.startswith(typed) for value, _help in found), typed


def test_a_name_offered_resolves_to_its_school(db):
    from nitet_cli.schools import resolve_school

    conn = connect(db)
    try:
        for value, code in completion.complete_school(context("--db", str(db)), "บ้านคูเ"):
            assert resolve_school(conn, value).code == code
    finally:
        conn.close()


def test_school_codes_only(db):
    ctx = context("--db", str(db))
    assert values(completion.complete_school_code(ctx, "")) == ["05701003", "57010001", "57010002", "57020004"]
    assert completion.complete_school_code(ctx, "บ้าน") == []


def test_school_groups(db):
    ctx = context("--db", str(db))
    assert completion.complete_school_group(ctx, "") == [("บ้านคู่", "2 โรงเรียน"), ("พื้นที่สูง", "1 โรงเรียน")]
    assert values(completion.complete_school_group(ctx, "สูง")) == ["พื้นที่สูง"]


def test_standard_ids_of_the_loaded_manual(db):
    ctx = context("--db", str(db))
    seven = completion.complete_standard(ctx, "7.")
    assert values(seven) == [f"7.{n}" for n in range(1, len(seven) + 1)]
    assert "7.3" in values(seven)
    help_73 = dict(seven)["7.3"]
    assert help_73 and len(help_73) <= candidates.HELP_WIDTH
    conn = sqlite3.connect(db)
    expected = [
        r[0] for r in conn.execute("SELECT id FROM standards WHERE retired_at IS NULL ORDER BY duty_number, step")
    ]
    conn.close()
    assert values(completion.complete_standard(ctx, "")) == expected
    assert values(completion.complete_standard(ctx, "๗.๓")) == [
        "๗.๓"
    ]  # the shell keeps what starts with the word typed
    assert completion.complete_standard(ctx, "99") == []


def test_retired_standards_are_not_offered(db):
    conn = sqlite3.connect(db)
    conn.execute("UPDATE standards SET retired_at = '2026-11-01' WHERE id = '7.3'")
    conn.commit()
    conn.close()
    assert "7.3" not in values(completion.complete_standard(context("--db", str(db)), "7."))


def test_database_from_nitet_db_environment(db, monkeypatch):
    monkeypatch.setenv("NITET_DB", str(db))
    ctx = context()
    assert values(completion.complete_school(ctx, "5702")) == ["57020004"]
    assert completion.complete_school(None, "5702") == [("57020004", "โรงเรียนอนุบาลเชียงราย")]


def test_no_database_or_a_foreign_one_completes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("NITET_DB", raising=False)
    missing = tmp_path / "missing.db"
    for fn in (completion.complete_school, completion.complete_standard, completion.complete_school_group):
        assert fn(context("--db", str(missing)), "") == []
    assert not missing.exists()  # completion never creates a database
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE photos (id INTEGER)")
    conn.commit()
    conn.close()
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not sqlite" * 100)
    for path in (foreign, garbage):
        ctx = context("--db", str(path))
        assert completion.complete_school(ctx, "") == []
        assert completion.complete_standard(ctx, "7") == []


def test_completion_does_not_write_or_upgrade(db):
    before = db.read_bytes()
    completion.complete_school(context("--db", str(db)), "57")
    completion.complete_standard(context("--db", str(db)), "7")
    assert db.read_bytes() == before


def test_template_names_and_docx_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "แม่แบบสำนักงาน.docx").write_bytes(b"PK")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "~$lock.docx").write_bytes(b"")
    sub = tmp_path / "letters"
    sub.mkdir()
    (sub / "report-office.docx").write_bytes(b"PK")
    names = values(completion.complete_template(None, ""))
    assert "manual" in names and "แม่แบบสำนักงาน.docx" in names
    assert "notes.txt" not in names and "~$lock.docx" not in names
    assert values(completion.complete_template(None, "man")) == ["manual"]
    assert values(completion.complete_template(None, "letters/r")) == ["letters/report-office.docx"]
    assert completion.complete_template(None, "nothing/here") == []
