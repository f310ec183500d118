"""Issue 14, item 5: Typer as its documentation shows it. Every option is declared with
``Annotated`` (the options several commands share once, in cli/common.py); a fixed choice is an
``Enum`` whose words are the services' own, which shell completion offers and which a wrong word
is refused against in one Thai sentence; completion's candidates come from a service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nitet_cli.cli.choices import Choice, Kind, Mode
from nitet_cli.cli.exchange import ExportFormat, ExportWhat
from nitet_cli.cli.follow_ups import FollowUpResult
from nitet_cli.cli.report import ReportFormat

CLI = Path(__file__).resolve().parent.parent / "src" / "nitet_cli" / "cli"


def test_every_option_and_argument_is_declared_with_annotated():
    """No ``name: T = typer.Option(…)`` (or Argument) default left in cli/."""
    old_style = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                for default in node.args.defaults + node.args.kw_defaults:
                    if isinstance(default, ast.Call) and ast.unparse(default.func) in (
                        "typer.Option",
                        "typer.Argument",
                    ):
                        old_style.append(f"{path.name}:{node.name}")
    assert old_style == []


def test_json_is_one_alias():
    """--json with the plain help is declared once (cli/common.py), however many commands take it."""
    declared = [
        path.name
        for path in sorted(CLI.glob("*.py"))
        if 'typer.Option("--json", help="แสดงผลเป็น JSON")' in path.read_text(encoding="utf-8")
    ]
    assert declared == ["common.py"]


def test_the_choices_are_the_services_words():
    from nitet_cli.activities import KINDS, MODES
    from nitet_cli.follow_ups import DONE, NOT_DONE, PARTLY, parse_status

    assert Kind.words() == list(KINDS) and Mode.words() == list(MODES)
    assert [parse_status(word) for word in FollowUpResult.words()] == [DONE, PARTLY, NOT_DONE]
    assert ReportFormat.words() == ["docx", "json"] and ExportFormat.words() == ["json", "csv", "xlsx"]
    assert ExportWhat.words() == ["activities", "schools"]
    # usage.py finds a choice by its words: no two choices have the same ones
    words = [tuple(choice.words()) for choice in Choice.__subclasses__()]
    assert len(words) == len(set(words))


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("nitet log-visit --mode ", ["onsite", "online", "hybrid"]),
        ("nitet log 1.2 --kind m", ["meeting", "media"]),
        ("nitet list --kind ", Kind.words()),
        ("nitet edit 1 --mode h", ["hybrid"]),
        ("nitet report --format ", ["docx", "json"]),
        ("nitet export --format ", ["json", "csv", "xlsx"]),
        ("nitet export --what ", ["activities", "schools"]),
        ("nitet follow-up close 1 --status ", ["done", "partly", "not-done"]),
    ],
)
def test_completion_offers_the_choices(nitet, line, offered):
    assert nitet.complete(line) == offered


def test_choices_are_read_case_insensitively_where_they_were(initialised, tmp_path):
    """report and export lowercased --format, follow-up close its --status: still so, and not_done
    (the stored status, as --json shows it) is not-done."""
    out = tmp_path / "r.json"
    initialised("report", "--format", "JSON", "-o", out)
    assert out.is_file()
    initialised("export", "--format", "CSV", "-o", tmp_path / "e.csv")
    assert (tmp_path / "e.csv").is_file()
    initialised("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    initialised("log-visit", "-s", "57010001", "-t", "นิเทศ", "--follow-up", "ก", "--follow-up", "ข")
    assert initialised.json("follow-up", "close", "1", "--result", "x", "--status", "not_done")["status"] == "not_done"
    assert initialised.json("follow-up", "close", "2", "--result", "x", "--status", "Partly")["status"] == "partly"


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["log", "1.2", "-t", "x", "--kind", "party"], "ประเภทกิจกรรม (--kind) 'party' ไม่มี — เลือก: visit, meeting,"),
        (["edit", "1", "--mode", "walk"], "รูปแบบ (--mode) 'walk' ไม่มี — เลือก: onsite, online, hybrid"),
        (["report", "--format", "xml"], "--format 'xml' ไม่มี — เลือก docx หรือ json"),
        (["export", "--what", "teachers"], "--what 'teachers' ไม่มี — เลือก activities หรือ schools"),
        (["follow-up", "close", "1", "--result", "x", "--status", "finished"], "สถานะ 'finished' ไม่มี — เลือก done"),
    ],
)
def test_a_word_not_offered_is_refused_in_one_thai_sentence(initialised, args, sentence):
    before = initialised.snapshot()
    result = initialised(*args, ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"ข้อผิดพลาด: {sentence}") and len(result.stderr.splitlines()) == 1
    assert initialised.snapshot() == before


def test_completion_is_split_the_cli_part_asks_the_service():
    """cli/completion.py holds no SQL and the service module does not import typer."""
    service = (CLI.parent / "completion.py").read_text(encoding="utf-8")
    front = (CLI / "completion.py").read_text(encoding="utf-8")
    assert "import typer" not in service and "SELECT" in service
    assert "SELECT" not in front and "from nitet_cli import completion" in front
