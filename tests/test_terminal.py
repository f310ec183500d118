"""Issue 13: the terminal never breaks on user text, speaks Thai throughout, reads right.

(1) user text is never markup and never a control sequence; (2) every usage error is one
Thai line naming the option, exit 2; (5) status says a term ended, with BE dates, and why a
standard is unfinished; (6) ``manual show`` and ``list`` are readable at 80 columns.
The hypothesis suite over every human-readable command is in tests/test_hostile.py.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
import typer
from conftest import BUNDLED_MANUAL
from rich.cells import cell_len
from typer.testing import CliRunner

SRC = Path(__file__).resolve().parent.parent / "src" / "nitet_cli"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def lines(result) -> list[str]:
    return result.stdout.splitlines()


# --- (1) markup and control characters ----------------------------------------------------------


def test_a_school_named_like_markup_is_added_and_listed(initialised):
    name = "ร.ร. [/b] ทดสอบ"
    added = initialised("school", "add", "--code", "57010099", "--name", name, "--group", "x")
    assert name in added.stdout and "Traceback" not in added.output
    listed = initialised("school", "list")
    assert name in listed.stdout
    assert name in initialised("school", "list", "--group", "x").stdout


def test_markup_emoji_codes_and_links_in_entries_show_as_typed(initialised):
    initialised(
        "school", "add", "--code", "57010099", "--name", "โรงเรียน [bold]ตัวหนา[/bold] :smile:", "--group", "บ้านคู่"
    )
    title = "นิเทศ [/i] [link=https://evil.example]คลิก[/link] :thumbs_up: [red]x"
    entry = initialised(
        "log-visit", "-s", "57010099", "-t", title, "--findings", "[/]", "-d", "2026-11-20"
    ).stdout.strip()
    shown = initialised("show", entry).stdout
    assert title in shown and "ผลการนิเทศ: [/]" in shown and ":smile:" in shown
    listed = initialised("list", env={"COLUMNS": "300"}).stdout
    assert title in listed and "โรงเรียน [bold]ตัวหนา[/bold] :smile:" in listed
    assert "👍" not in listed and "😄" not in listed  # emoji codes are not replaced either


def test_control_characters_are_shown_escaped(initialised):
    """Text that reached the database without nitet's cleaning (SQL by hand, Datasette, an
    old import) or that cleaning keeps (C1 controls such as the 8-bit CSI U+009B) never
    reaches the terminal as a control sequence."""
    from nitet_cli.cli.common import terminal_safe

    initialised("school", "add", "--code", "57010099", "--name", "ชื่อเดิม", "--group", "บ้านคู่")
    hostile = "\x1b[2J\x1b]8;;https://evil.example\x07ลิงก์\x1b]8;;\x07\x9b31mแดง\r\x08"
    conn = sqlite3.connect(initialised.db_path)
    conn.execute("UPDATE schools SET name = ? WHERE code = '57010099'", (hostile,))
    conn.commit()
    conn.close()
    entry = initialised("log-visit", "-s", "57010099", "-t", "นิเทศ \x9b31m", "-d", "2026-11-20").stdout.strip()
    outputs = [
        initialised("school", "list", env={"COLUMNS": "300"}).stdout,
        initialised("list", env={"COLUMNS": "300"}).stdout,
        initialised("show", entry).stdout,
        initialised("status", env={"COLUMNS": "300"}).stdout,
    ]
    for out in outputs:
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out), repr(out)
    assert terminal_safe(hostile) in outputs[0] and terminal_safe(hostile) in outputs[2]
    assert "\\x1b[2J" in outputs[0] and "\\x9b31m" in outputs[2]
    # The same in an error message naming what was typed.
    refused = initialised("school", "list", "--group", "\x9b31mกลุ่ม", ok=False)
    assert refused.exit_code == 3 and "\\x9b31mกลุ่ม" in refused.stderr and "\x9b" not in refused.stderr
    refused = initialised("list", "--kind", "\x1b[31mparty", ok=False)
    assert refused.exit_code == 2 and "\\x1b[31mparty" in refused.stderr and "\x1b" not in refused.stderr


def test_profile_set_and_show_print_hostile_text_as_typed(initialised):
    name, office = "นาย [/b] ทดสอบ \x9b31m :smile:", "[link=https://evil.example]เขต ๑[/link]\x1b[2J"
    for result in (initialised("profile", "set", "--name", name, "--office", office), initialised("profile", "show")):
        for stream in (result.stdout, result.stderr):
            assert "\x9b" not in stream and "\x1b" not in stream, repr(stream)
        assert "นาย [/b] ทดสอบ \\x9b31m :smile:" in result.stdout
        assert "[link=https://evil.example]เขต ๑[/link][2J" in result.stdout  # ESC is never stored


def test_terminal_safe_keeps_text_and_escapes_controls():
    from nitet_cli.cli.common import terminal_safe

    assert terminal_safe("ก้้ [/b] 😀\tก\nข") == "ก้้ [/b] 😀\tก\nข"
    assert terminal_safe("\x1b[31m\x9b\x7f\x00") == "\\x1b[31m\\x9b\\x7f\\x00"
    assert terminal_safe("ก\u2028ข\u2029ค") == "ก\\u2028ข\\u2029ค"  # rich would break the line there


# --- (2) usage errors in Thai --------------------------------------------------------------------

USAGE_ERRORS = [
    # (what is wrong, the command line, what the message must name)
    ("missing value", ["log-visit", "-t"], ["-t", "ชื่อกิจกรรม"]),
    ("missing value of a root option", ["--db"], ["--db"]),
    ("missing value of a group command", ["school", "add", "--code"], ["--code", "nitet school add --help"]),
    ("unknown option", ["list", "--bogus"], ["--bogus", "nitet list --help"]),
    ("unknown option, close to one", ["list", "--serch", "x"], ["--serch", "--search"]),
    ("value for a flag", ["--quiet=3", "list"], ["--quiet"]),
    ("bad integer", ["list", "--limit", "สิบ"], ["--limit", "จำนวนเต็ม", "สิบ"]),
    ("integer out of range", ["list", "--limit", "-1"], ["--limit", "ไม่น้อยกว่า 0", "-1"]),
    ("bad integer argument", ["show", "x"], ["ID", "จำนวนเต็ม"]),
    ("bad choice", ["log", "1.1", "-t", "x", "--mode", "walk"], ["--mode", "onsite"]),
    ("bad choice of kind", ["list", "--kind", "party"], ["--kind", "meeting"]),
    ("bad format", ["report", "--format", "xml"], ["--format", "docx"]),
    ("missing argument", ["show"], ["ID", "หมายเลขรายการ"]),
    ("missing option", ["school", "add", "--code", "1"], ["--name", "ชื่อโรงเรียน"]),
    ("extra argument", ["show", "1", "2"], ["2", "nitet show"]),
    ("unknown command", ["lst"], ["lst", "list"]),
    ("unknown subcommand", ["school", "lst"], ["lst", "nitet school"]),
    ("missing argument of school show", ["school", "show"], ["SCHOOL"]),
    ("missing option of follow-up close", ["follow-up", "close", "1"], ["--result"]),
    (
        "missing value in follow-up close",
        ["follow-up", "close", "1", "--result"],
        ["--result", "nitet follow-up close --help"],
    ),
    ("bad integer of follow-up close", ["follow-up", "close", "x", "--result", "y"], ["ID", "จำนวนเต็ม"]),
    ("unknown subcommand of follow-up", ["follow-up", "lst"], ["lst", "nitet follow-up"]),
    ("unknown option of profile", ["profile", "new-identity", "--bogus"], ["--bogus"]),
]


@pytest.mark.parametrize("what, args, named", USAGE_ERRORS, ids=[u[0] for u in USAGE_ERRORS])
def test_usage_errors_are_one_thai_line(initialised, what, args, named):
    result = initialised(*args, ok=False)  # (after --db <file>: a second --db without a value)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    err = result.stderr.splitlines()
    assert len(err) == 1 and err[0].startswith("ข้อผิดพลาด: "), result.stderr
    for word in named:
        assert word in err[0], (word, err[0])
    assert re.search("[\u0e00-\u0e7f]", err[0])
    for english in ("Error", "Usage", "Missing", "No such", "Invalid", "Got unexpected", "requires", "Try "):
        assert english not in err[0], err[0]


def test_help_stays_thai(nitet):
    result = nitet("log-visit", "--help")
    assert "บันทึกการนิเทศโรงเรียน" in result.stdout and "ชื่อกิจกรรม/เรื่องที่นิเทศ" in result.stdout
    assert "คู่มือปฏิบัติงาน บันทึกการนิเทศ" in nitet("--help").stdout
    group = nitet("school", ok=False)  # a group alone shows its help, as before
    assert group.exit_code == 2 and "โรงเรียนในความรับผิดชอบ" in group.output


# --- output that cannot be written ---------------------------------------------------------------

RUN_NITET = "from nitet_cli.cli import main; main()"
STREAM_COMMANDS = [
    ["list"],
    ["list", "--json"],
    ["export"],
    ["due"],
    ["manual", "show"],
    ["--help"],
    ["log", "1.2", "--title", "ประชุมครู", "--json"],
]


def _run_console_script(db: Path, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "NITET_DB": str(db), "NITET_TODAY": "2026-11-24"}
    return subprocess.run(
        [sys.executable, "-c", RUN_NITET, *args],
        stderr=subprocess.PIPE,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (a device every write to fails: disk full)")
@pytest.mark.parametrize("args", STREAM_COMMANDS, ids=" ".join)
def test_output_to_a_full_disk_is_one_thai_line_and_exit_5(initialised, args):
    """`nitet list > /dev/full`: what a full disk under a redirect does to stdout. One Thai line,
    exit 5, no traceback (Python's own flush at exit must not fail a second time either)."""
    with open("/dev/full", "wb") as full:
        proc = _run_console_script(initialised.db_path, args, stdout=full)
    err = proc.stderr.decode()
    assert proc.returncode == 5, err[-2000:]
    assert "Traceback" not in err and "Exception ignored" not in err, err[-2000:]
    (line,) = [line for line in err.splitlines() if line.startswith("ข้อผิดพลาด:")]
    assert "stdout" in line and "พื้นที่ดิสก์เต็ม" in line
    if args[0] == "log":  # the entry was written before its output: it stays, as the line says
        assert initialised.query("SELECT title FROM activities") == [("ประชุมครู",)]


@pytest.mark.parametrize("args", STREAM_COMMANDS, ids=" ".join)
def test_a_closed_stdout_is_no_traceback(initialised, args):
    """`nitet list >&-`: a process started without stdout (sys.stdout is None) runs the command
    and drops its output, as click and rich do for their own lines; but `export`, whose output is
    the work itself, is refused before any work (exit 5, one Thai line), never lost in silence."""
    proc = _run_console_script(initialised.db_path, args, preexec_fn=lambda: os.close(1))
    err = proc.stderr.decode()
    assert "Traceback" not in err and "Exception ignored" not in err, err[-2000:]
    if args[0] == "export":
        assert proc.returncode == 5 and "stdout ถูกปิดอยู่" in err, err[-2000:]
    else:
        assert proc.returncode == 0, err[-2000:]


@pytest.mark.parametrize("args", STREAM_COMMANDS, ids=" ".join)
def test_a_reader_that_stopped_reading_ends_the_command_quietly(initialised, args):
    """`nitet list | head -0`: the pipe's reader is gone before nitet writes; exit 1, nothing on stderr."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = _run_console_script(initialised.db_path, args, stdout=write)
    finally:
        os.close(write)
    assert proc.returncode == 1, proc.stderr.decode()[-2000:]
    assert proc.stderr.decode() == ""


# --- help at 80 columns --------------------------------------------------------------------------

# Thai characters that cannot begin a line: vowels written above, below or after a consonant,
# tone marks and the repetition mark. A help line that starts with one has a word cut in two.
THAI_NOT_AT_LINE_START = re.compile("^[\u0e30-\u0e3a\u0e45-\u0e4e]")


def _help_pages(command, ctx):
    yield ctx.command_path, ctx.get_help()  # as nitet shows it (its context makes the page)
    if isinstance(command, typer.core.TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            yield from _help_pages(sub, sub.context_class(sub, info_name=name, parent=ctx))


def test_no_help_text_cuts_a_thai_word_at_80_columns(monkeypatch):
    """Click wraps help to the terminal (at most 80 columns) and cuts a 'word' longer than its
    column anywhere: a Thai phrase without spaces lost its last syllables to the next line
    (log --caption beside the long --kind choices). Every help page of every command, as a terminal
    of 80 columns shows it (not through CliRunner, which forces its own width)."""
    from nitet_cli.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    root = typer.main.get_command(app)
    cut = [
        (path, line)
        for path, shown in _help_pages(root, root.context_class(root, info_name="nitet"))
        for line in shown.splitlines()
        if THAI_NOT_AT_LINE_START.match(line.strip())
    ]
    assert cut == []


class Colour(str, Enum):
    red = "red"
    blue = "blue"


def test_choices_and_numbers_of_any_command_are_translated():
    """The translation reads click's own choice and number types (an Enum option, a float)."""
    from nitet_cli.cli.common import NitetGroup

    app = typer.Typer(cls=NitetGroup)

    @app.command()
    def paint(
        colour: Colour = typer.Option(Colour.red, "--colour", help="สี"), size: float = typer.Option(1.0, "--size")
    ):
        typer.echo(colour.value)

    @app.command()
    def other() -> None:  # two commands make a group
        pass

    runner = CliRunner()
    bad = runner.invoke(app, ["paint", "--colour", "green"])
    assert bad.exit_code == 2 and bad.stderr.startswith("ข้อผิดพลาด: --colour ต้องเป็นหนึ่งใน red, blue ไม่ใช่ 'green'")
    bad = runner.invoke(app, ["paint", "--size", "ใหญ่"])
    assert bad.exit_code == 2 and "--size ต้องเป็นตัวเลข" in bad.stderr and "'ใหญ่'" in bad.stderr
    assert runner.invoke(app, ["paint", "--colour", "blue"]).stdout == "blue\n"


def test_no_private_typer_or_click_module_is_imported():
    for path in SRC.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\btyper\._|^\s*(from|import)\s+click\b", source, re.M), path


# --- (5) status reads right ----------------------------------------------------------------------

WIDE = {"COLUMNS": "250"}


def test_a_finished_term_says_it_ended_with_its_last_day_in_be(initialised):
    # NITET_TODAY is 24 Nov 2026 (term 2/2569): term 1/2569 is over.
    out = initialised("status", "--year", "2569", "--term", "1", env=WIDE).stdout
    heading = lines(initialised("status", "--year", "2569", "--term", "1", env=WIDE))[0]
    assert "สิ้นสุดแล้วเมื่อ 31 ตุลาคม 2569" in heading
    assert "16 พฤษภาคม 2569 – 31 ตุลาคม 2569" in heading
    assert "เหลืออีก" not in out and not re.search(r"20\d\d-\d\d-\d\d", out)


def test_the_current_and_a_coming_term_in_be(initialised):
    heading = lines(initialised("status", env=WIDE))[0]
    assert "ภาคเรียนที่ 2/2569 (1 พฤศจิกายน 2569 – 15 พฤษภาคม 2570" in heading and "เหลืออีก 173 วัน" in heading
    coming = lines(initialised("status", "--year", "2570", "--term", "1", env=WIDE))[0]
    assert "ยังไม่เริ่ม (เปิดภาคเรียน 16 พฤษภาคม 2570)" in coming
    initialised("term", "set", "2569", "2", "--start", "2/11/2569", "--end", "31/3/2570")
    announced = lines(initialised("status", env=WIDE))[0]
    assert "(2 พฤศจิกายน 2569 – 31 มีนาคม 2570) — เหลืออีก 128 วัน" in announced


def test_a_standard_waiting_only_for_evidence_says_so(initialised, tmp_path):
    entry = initialised("log", "1.1", "--kind", "meeting", "-t", "ประชุมวางแผน", "-d", "2026-11-20").stdout.strip()
    row = next(line for line in lines(initialised("status", env=WIDE)) if " 1.1 " in line)
    assert "กำลังดำเนินการ (ไม่มีหลักฐาน)" in row
    not_started = next(line for line in lines(initialised("status", env=WIDE)) if " 1.2 " in line)
    assert "ไม่มีหลักฐาน" not in not_started
    initialised("evidence", "add", entry, "https://drive.google.com/file/d/1")
    row = next(line for line in lines(initialised("status", env=WIDE)) if " 1.1 " in line)
    assert "ดำเนินการแล้ว" in row and "ไม่มีหลักฐาน" not in row
    assert initialised.json("status")["duties"][0]["standards"][0]["state"] == "done"


def test_term_errors_give_be_dates(initialised):
    result = initialised("term", "set", "2569", "1", "--start", "10/10/2569", "--end", "1/6/2569", ok=False)
    assert result.exit_code == 2 and "10 ตุลาคม 2569" in result.stderr and "2026-" not in result.stderr


# --- (6) 80 columns ------------------------------------------------------------------------------

NARROW = {"COLUMNS": "80"}


def _manual_texts() -> list[str]:
    import yaml

    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    return [d["title"] for d in data["duties"]] + [
        t for d in data["duties"] for s in d["standards"] for t in (s["activity"], s["standard"])
    ]


def _squeezed(value: str) -> str:
    return re.sub(r"\s+", "", value)


def test_manual_show_in_a_pipe_shows_every_text_whole_within_80_columns(initialised):
    result = initialised("manual", "show", env=NARROW)
    out = result.stdout
    assert max(cell_len(line) for line in out.splitlines()) <= 80
    whole = _squeezed(out)
    for value in _manual_texts():
        assert _squeezed(value) in whole, value
    assert "…" not in out.replace("โรงเรียนในโรงเรียนใน…", "")


def test_manual_show_full_and_short_in_a_terminal(initialised):
    terminal = {"COLUMNS": "150", "FORCE_COLOR": "1"}
    short = ANSI.sub("", initialised("manual", "show", env=terminal).stdout)
    assert "…" in short and "nitet manual show --full" in short  # a look over it, saying how to see it whole
    ids = [
        s["id"] for d in json.loads(initialised("manual", "show", "--json").stdout)["duties"] for s in d["standards"]
    ]
    for width in ("80", "150"):
        table = ANSI.sub("", initialised("manual", "show", "--short", env={**terminal, "COLUMNS": width}).stdout)
        assert max(cell_len(line) for line in table.splitlines()) <= int(width)
        for standard in ids:  # every row keeps its number
            assert re.search(rf"│\s*{re.escape(standard)}\s*│", table), (width, standard)
    full = ANSI.sub("", initialised("manual", "show", "--full", env=terminal).stdout)
    assert max(cell_len(line) for line in full.splitlines()) <= 150
    whole = _squeezed(full)
    for value in _manual_texts():
        assert _squeezed(value) in whole, value
    assert json.loads(initialised("manual", "show", "--json").stdout)["duties"]  # --json unchanged


def test_list_at_80_columns_keeps_date_school_and_title_readable(initialised):
    initialised("school", "add", "--code", "57010003", "--name", "โรงเรียนบ้านห้วยแม่เลี่ยมหลวงพัฒนาศึกษา", "--group", "บ้านคู่")
    title = "นิเทศการจัดการเรียนรู้ภาษาไทยชั้นประถมศึกษาปีที่หนึ่งเพื่อพัฒนาการอ่านออกเขียนได้ของนักเรียน"
    initialised("log-visit", "-s", "57010003", "-t", title, "-d", "2026-11-20", "-e", BUNDLED_MANUAL)
    out = initialised("list", env=NARROW).stdout
    rows = out.splitlines()
    assert max(cell_len(line) for line in rows) <= 80
    first = next(line for line in rows if "20 พ.ย. 2569" in line)
    assert "ร.ร.บ้านห้วย" in first  # the school, abbreviated, still there
    assert title[:20] in first  # a readable part of the title on the entry's first line, the rest below
    wide = initialised("list", env={"COLUMNS": "250"}).stdout
    assert title in wide and "โรงเรียนบ้านห้วยแม่เลี่ยมหลวงพัฒนาศึกษา" in wide and "นิเทศโรงเรียน" in wide
