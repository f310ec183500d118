"""Issue 6, item 4: the completion callbacks reach the options of the recording, listing,
school, manual, report and template commands — through Typer's real completion mechanism
(the environment variables a shell sets on Tab)."""

from __future__ import annotations

import pytest

from nitet_cli.cli import app
from nitet_cli.db import connect
from nitet_cli.schools import School, add_or_update_school

SCHOOLS = [
    ("57010001", "โรงเรียนบ้านคู่", "บ้านคู่"),
    ("57010002", "โรงเรียนบ้านคูเมือง", "บ้านคู่"),
    ("05701003", "โรงเรียนบ้านดอยฮาง", "พื้นที่สูง"),
]


@pytest.fixture
def db(initialised):
    conn = connect(initialised.db_path)
    for code, name, group in SCHOOLS:
        add_or_update_school(conn, School(code, name, group, "เมืองเชียงราย"))
    conn.close()
    return initialised


@pytest.mark.parametrize(
    "command",
    [
        "log-visit --school",
        "log 7.3 --school",
        "list --school",
        "edit 1 --school",
    ],
)
def test_school_options_complete_codes(db, command):
    found = db.complete(f"nitet --db {db.db_path} {command} 5701")
    assert found == ["57010001", "57010002"]


def test_school_add_code_completes_the_codes_already_there(db):
    """For `school add --update`: the code of a school to correct."""
    assert db.complete(f"nitet --db {db.db_path} school add --code 5701") == ["57010001", "57010002"]


def test_school_names_complete_without_the_word_school(db):
    assert db.complete(f"nitet --db {db.db_path} log-visit --school บ้านดอย") == ["บ้านดอยฮาง"]


@pytest.mark.parametrize("command", ["log-visit --standard", "list --standard", "edit 1 --standard", "log"])
def test_standard_options_and_arguments_complete_ids(db, command):
    found = db.complete(f"nitet --db {db.db_path} {command} 7.")
    assert "7.3" in found and all(v.startswith("7.") for v in found)
    expected = [
        r[0] for r in db.query("SELECT id FROM standards WHERE id LIKE '7.%' AND retired_at IS NULL ORDER BY step")
    ]
    assert found == expected


def test_standard_argument_of_log_after_another_standard(db):
    found = db.complete(f"nitet --db {db.db_path} log 1.2 9.")
    assert found and all(v.startswith("9.") for v in found)


def test_thai_digits_typed_are_completed_in_thai_digits(db):
    """Typer and the shells keep only candidates that start with the word typed: ``๗.`` offered
    ``7.1`` showed nothing. Candidates continue what was typed, in Thai digits, which nitet reads."""
    assert db.complete(f"nitet --db {db.db_path} log ๗.") == ["๗.๑", "๗.๒", "๗.๓", "๗.๔"]
    assert db.complete(f"nitet --db {db.db_path} log-visit --standard ๗.๓") == ["๗.๓"]
    assert db.complete(f"nitet --db {db.db_path} log-visit --school ๕๗๐๑") == ["๕๗๐๑๐๐๐๑", "๕๗๐๑๐๐๐๒"]
    db("log-visit", "--school", "๕๗๐๑๐๐๐๒", "--standard", "๗.๓", "--title", "นิเทศ")  # what was offered is accepted
    found = db.query(
        "SELECT school_code, standard_id FROM activity_schools JOIN activity_standards USING (activity_id)"
    )
    assert found == [("57010002", "7.3")]


def test_school_group_options(db):
    for command in ("school add --code 1 --name x --group", "school list --group"):
        assert db.complete(f"nitet --db {db.db_path} {command} บ้าน") == ["บ้านคู่"]
    assert db.complete(f"nitet --db {db.db_path} school list --group พื้น") == ["พื้นที่สูง"]


def test_template_options_and_names(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "รายงานสำนักงาน.docx").write_bytes(b"PK")
    for command in ("report --template", "manual export --template"):
        found = db.complete(f"nitet --db {db.db_path} {command} ")
        assert "manual" in found and "report" in found and "รายงานสำนักงาน.docx" in found
    assert db.complete(f"nitet --db {db.db_path} report --template rep") == ["report"]
    # NAME of `template export` offers the built-in names only, with what they are (zsh shows the help).
    assert db.complete("nitet template export ") == ["manual", "report"]
    shown = db.runner.invoke(
        app,
        [],
        prog_name="nitet",
        env={"_NITET_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "nitet template export ma"},
    ).stdout
    assert "manual" in shown and "คู่มือปฏิบัติงาน" in shown and "report" not in shown


def test_completion_through_zsh_gives_names_as_help(db):
    shown = db.runner.invoke(
        app,
        [],
        prog_name="nitet",
        env={"_NITET_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": f"nitet --db {db.db_path} list --school 0570"},
    ).stdout
    assert "05701003" in shown and "โรงเรียนบ้านดอยฮาง" in shown


def test_completion_on_a_missing_database_offers_nothing_and_creates_nothing(tmp_path, nitet):
    missing = tmp_path / "none.db"
    assert nitet.complete(f"nitet --db {missing} log-visit --school 57") == []
    assert not missing.exists()
