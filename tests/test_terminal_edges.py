"""Issue 13, the terminal's leftovers: ``-h`` everywhere, Thai help for the options Typer and
click add themselves, a stdout that cannot encode Thai, C1 and bidi controls in ``--json`` and on
the terminal, help at 40 columns, and ``-o -`` as stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.cells import cell_len

# --- -h as well as --help ------------------------------------------------------------------------

HELP_PAGES = [
    [],
    ["log-visit"],
    ["log"],
    ["list"],
    ["school"],
    ["school", "add"],
    ["follow-up", "close"],
    ["manual", "export"],
]


@pytest.mark.parametrize("args", HELP_PAGES, ids=lambda a: " ".join(a) or "nitet")
def test_dash_h_is_help_for_nitet_and_every_command(nitet, args):
    long = nitet(*args, "--help")
    short = nitet(*args, "-h")
    assert short.exit_code == 0 and short.stderr == ""
    assert short.stdout == long.stdout and "วิธีใช้: nitet" in short.stdout
    assert "-h, --help" in short.stdout


# --- help pages: Thai for click's and Typer's own options, and at 40 columns -------------------------

THAI_NOT_AT_LINE_START = re.compile("^[\u0e30-\u0e3a\u0e45-\u0e4e]")


def help_pages():
    """(command path, help page, the texts it was made from) of every command, as nitet shows them."""
    from nitet_cli.cli import app

    def walk(command, ctx):
        page = ctx.get_help()
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.get_params(ctx)]
        yield ctx.command_path, page, texts
        if isinstance(command, typer.core.TyperGroup):
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                texts.append(sub.help or "")
                yield from walk(sub, sub.context_class(sub, info_name=name, parent=ctx))

    root = typer.main.get_command(app)
    yield from walk(root, root.context_class(root, info_name="nitet"))


def test_the_options_click_and_typer_add_have_thai_help(nitet):
    shown = nitet("--help").stdout
    assert "--install-completion  ติดตั้งการเติมคำสั่งด้วยปุ่ม Tab" in shown
    assert "--show-completion     แสดงสคริปต์เติมคำสั่ง" in shown
    assert "-h, --help            แสดงวิธีใช้นี้แล้วจบ" in shown
    for path, page, _texts in help_pages():
        for english in ("Show this message", "Install completion", "Show completion", "customize the installation"):
            assert english not in page, (path, english)


def test_every_help_page_has_thai_headings_and_notes():
    """Click's headings (``Usage:``, ``Options:``, ``Commands:``, ``Arguments:``) and the notes in
    brackets after an option's help (``[default: …]``, ``[env var: …]``, ``[required]``) are Thai on
    every page: click passes them through gettext, which has no Thai catalogue."""
    seen = set()
    for path, page, _texts in help_pages():
        assert page.startswith(f"วิธีใช้: {path}"), (path, page[:40])
        assert "ตัวเลือก:" in page, path
        for english in (
            "Usage:",
            "Options:",
            "Commands:",
            "Arguments:",
            "[default:",
            "default: ",
            "env var:",
            "required]",
            "<str>",
            "<int>",
            "<int range>",
            "<path>",
        ):
            assert english not in page, (path, english)
        seen.update(word for word in ("คำสั่ง:", "ค่าที่ระบุ:", "[ค่าเริ่มต้น:", "[ตัวแปรสภาพแวดล้อม: NITET_DB]") if word in page)
    assert seen == {"คำสั่ง:", "ค่าที่ระบุ:", "[ค่าเริ่มต้น:", "[ตัวแปรสภาพแวดล้อม: NITET_DB]"}


def test_completion_still_installs_and_shows_with_thai_words(tmp_path):
    """Typer's own completion options still work (their help is Thai; what they print says the same
    in Thai): the script for bash, and its installation into ~/.bashrc."""
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash", "COLUMNS": "80"}
    env.pop("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", None)
    run = [sys.executable, "-m", "nitet_cli"]
    shown = subprocess.run([*run, "--show-completion"], capture_output=True, text=True, env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "_NITET_COMPLETE" in shown.stdout and "complete" in shown.stdout
    (tmp_path / ".bashrc").write_text("# mine\n", encoding="utf-8")
    installed = subprocess.run([*run, "--install-completion"], capture_output=True, text=True, env=env, timeout=120)
    assert installed.returncode == 0, installed.stderr
    assert "# mine" in (tmp_path / ".bashrc").read_text(encoding="utf-8")
    assert ".bash_completions" in (tmp_path / ".bashrc").read_text(encoding="utf-8")
    assert "ติดตั้งการเติมคำสั่งของ bash แล้วที่" in installed.stdout and str(tmp_path) in installed.stdout
    assert "installed in" not in installed.stdout and "restart" not in installed.stdout


@pytest.mark.parametrize("columns", [40, 60, 80])
def test_help_pages_fit_the_terminal_and_never_break_inside_a_word(monkeypatch, columns):
    """Every help page of every command at a real 40, 60 and 80 columns (not through CliRunner,
    which forces 80): no line is wider than the terminal (click never wrapped below 50, so the
    terminal cut every long line anywhere), and every line ends where the text had a space: never
    inside a Thai word written without spaces, never between a consonant and its vowel."""
    monkeypatch.setenv("COLUMNS", str(columns))
    pages = list(help_pages())
    assert len(pages) > 40
    for path, page, texts in pages:
        lines = page.splitlines()
        for line in lines:
            assert cell_len(line) <= columns, (path, line)
            assert not THAI_NOT_AT_LINE_START.match(line.strip()), (path, line)
        for before, after in zip(lines, lines[1:], strict=False):
            if before.strip() and after.strip() and not before.endswith(" "):
                joined = before.split()[-1] + after.split()[0]
                assert not any(joined in text for text in texts), (path, before, after)


def test_below_40_columns_a_long_stretch_is_broken_between_clusters_only(monkeypatch):
    """Narrower than nitet's longest stretch of Thai without a space, a stretch has to be broken
    inside (telling Thai words apart takes a dictionary): never between a consonant and its vowel or
    tone mark, never after a vowel written before its consonant, and the page still fits."""
    from nitet_cli.cli.help_pages import wrap

    monkeypatch.setenv("COLUMNS", "24")
    for path, page, _texts in help_pages():
        for line in page.splitlines():
            assert not THAI_NOT_AT_LINE_START.match(line.strip()), (path, line)
            assert not re.search("[\u0e40-\u0e44]$", line), (path, line)
            assert cell_len(line.rstrip()) <= 24 or line.startswith("วิธีใช้: nitet"), (path, line)
    lines = wrap("ให้ฐานข้อมูลที่คัดลอกมาจากเพื่อนร่วมงาน มีตัวตน", 12)
    assert "".join(lines).replace(" ", "") == "ให้ฐานข้อมูลที่คัดลอกมาจากเพื่อนร่วมงานมีตัวตน"
    assert all(cell_len(line) <= 12 and not THAI_NOT_AT_LINE_START.match(line) for line in lines), lines


# --- a stdout that cannot encode Thai --------------------------------------------------------------

ENCODED_COMMANDS = [["list"], ["status"], ["manual", "show"], ["school", "list"], ["show", "1"], ["due"]]


def _run(db, args, encoding, **kwargs):
    env = {**os.environ, "NITET_DB": str(db), "NITET_TODAY": "2026-11-24", "PYTHONIOENCODING": encoding}
    env.pop("PYTHONUTF8", None)
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return subprocess.run([sys.executable, "-m", "nitet_cli", *args], env=env, timeout=120, **streams)


@pytest.fixture
def recorded(initialised):
    initialised("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่ 😀", "--group", "บ้านคู่")
    initialised("log-visit", "-s", "57010001", "-t", "นิเทศการอ่าน", "-d", "2026-11-20")
    return initialised


@pytest.mark.parametrize("args", ENCODED_COMMANDS, ids=" ".join)
def test_an_ascii_stdout_gets_utf8_as_clicks_echo_does(recorded, args):
    """PYTHONIOENCODING=ascii (or an old locale's ASCII): the command does its work, exits 0 and
    writes UTF-8, the encoding of every terminal, mail and file today; never a traceback."""
    proc = _run(recorded.db_path, args, "ascii", stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert b"Traceback" not in proc.stderr and b"UnicodeEncodeError" not in proc.stderr
    shown = proc.stdout.decode("utf-8")
    assert re.search("[\u0e00-\u0e7f]", shown)


@pytest.mark.parametrize("args", ENCODED_COMMANDS, ids=" ".join)
def test_a_latin1_stdout_shows_thai_as_escapes(recorded, args):
    """A legacy locale (latin-1) cannot write Thai: the output is written all the same, Thai as
    \\u0e01-style escapes (as Python's own stderr does), exit 0."""
    proc = _run(recorded.db_path, args, "latin-1", stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode("latin-1")[-2000:]
    assert b"Traceback" not in proc.stderr
    shown = proc.stdout.decode("latin-1")
    assert "\\u0e" in shown and not re.search("[\u0e00-\u0e7f]", shown)


@pytest.mark.parametrize("encoding", ["ascii", "latin-1", "tis-620"])
def test_json_on_a_legacy_stdout_is_still_the_same_json(recorded, encoding):
    """--json stays valid JSON with the same values on any stdout: escapes where Thai cannot be written."""
    expected = recorded.json("list")
    proc = _run(recorded.db_path, ["list", "--json"], encoding, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr.decode("latin-1")[-2000:]
    assert json.loads(proc.stdout.decode("utf-8" if encoding == "ascii" else encoding)) == expected


def test_a_person_at_a_legacy_terminal_is_told_once_why(recorded):
    """At a terminal (stderr a tty) whose encoding cannot show Thai, one line on stderr says how to
    fix it (its ASCII part readable there); cron and pipes get nothing but the output."""
    import pty

    main, secondary = pty.openpty()
    try:
        proc = _run(recorded.db_path, ["list"], "latin-1", stdin=subprocess.DEVNULL, stderr=secondary)
        os.close(secondary)
        said = b""
        with contextlib.suppress(OSError):
            while chunk := os.read(main, 4096):
                said += chunk
    finally:
        os.close(main)
    assert proc.returncode == 0
    assert said.count(b"LANG=C.UTF-8") == 1 and b"iso8859-1" in said
    assert b"LANG=C.UTF-8" not in _run(recorded.db_path, ["list"], "latin-1", stdin=subprocess.DEVNULL).stderr


# --- controls a terminal acts on: C1, line separators, bidi -------------------------------------------

HOSTILE = "ร.ร.\x9b31m\u202eคู่\u202c\u2066x\u2069\u2028\x85\x7fจบ"
RAW = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def test_json_output_escapes_c1_separators_and_bidi_controls(recorded):
    """JSON may carry U+0080–U+009F, U+2028/9 and the bidi controls raw; a terminal acts on them
    (U+009B is CSI). Every --json output writes them as \\u escapes: the same value, read back exactly."""
    conn = sqlite3.connect(recorded.db_path)
    conn.execute("UPDATE schools SET name = ? WHERE code = '57010001'", (HOSTILE,))
    conn.execute("UPDATE activities SET title = ?", (HOSTILE,))
    conn.commit()
    conn.close()
    for args in (
        ["list", "--json"],
        ["show", "1", "--json"],
        ["school", "list", "--json"],
        ["status", "--json"],
        ["export"],
    ):
        out = recorded(*args).stdout
        assert not RAW.search(out), (args, out)
        assert "\\u009b31m\\u202e" in out, args
        assert HOSTILE in json.dumps(json.loads(out), ensure_ascii=False), args


def test_terminal_output_escapes_bidi_controls_too(recorded):
    """A right-to-left override in a name would show what follows reversed on a terminal that lays
    out bidirectional text: shown as \\u202e, with C1 and the separators, in every human output."""
    from nitet_cli.cli.common import terminal_safe

    assert terminal_safe("a\u202eb\u2066c\u2069\u202a") == "a\\u202eb\\u2066c\\u2069\\u202a"
    assert terminal_safe("ก\u200bข\u200e") == "ก\u200bข\u200e"  # a Thai word break and a mark are kept
    conn = sqlite3.connect(recorded.db_path)
    conn.execute("UPDATE schools SET name = ? WHERE code = '57010001'", (HOSTILE,))
    conn.execute("UPDATE activities SET title = ?", (HOSTILE,))
    conn.commit()
    conn.close()
    wide = {"COLUMNS": "300"}
    for args in (["list"], ["show", "1"], ["school", "list"], ["school", "show", "57010001"], ["status"], ["due"]):
        result = recorded(*args, env=wide)
        for stream in (result.stdout, result.stderr):
            assert not RAW.search(stream), (args, stream)
        assert "\\u202e" in result.stdout or args[0] in ("status", "due"), (args, result.stdout)


# --- -o - is stdout --------------------------------------------------------------------------------


def test_report_json_to_dash_is_stdout_and_no_file_named_dash(recorded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shown = recorded("report", "--format", "json", "-o", "-")
    assert shown.stderr == ""
    recorded("report", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert json.loads(shown.stdout) == json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert json.loads(shown.stdout)["entries"][0]["title"] == "นิเทศการอ่าน"
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--format", "json", "-o", "-"],
        ["export", "-f", "json", "-o", "-"],
        ["export", "-f", "csv", "-o", "-"],
        ["export", "-f", "json"],
        ["manual", "export", "--yaml", "-o", "-"],
    ],
    ids=" ".join,
)
def test_dash_with_stdout_closed_is_refused_not_lost(recorded, tmp_path, args):
    """``-o - >&-``: the output asked for has nowhere to go; exit 5 in one Thai line, never a silent
    exit 0 (a script would believe it was written), and no file named '-' either."""
    env = {**os.environ, "NITET_DB": str(recorded.db_path), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run(
        [sys.executable, "-m", "nitet_cli", *args],
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
        preexec_fn=lambda: os.close(1),  # started with stdout closed, as `>&-` does
        timeout=120,
    )
    message = proc.stderr.decode("utf-8")
    assert proc.returncode == 5, message
    assert "stdout ถูกปิดอยู่" in message and "Traceback" not in message
    assert not (tmp_path / "-").exists()


def test_export_and_manual_yaml_to_dash_are_stdout(recorded, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # One clock for both exports: a second that ticks between them changed "exported_at" (a flaky test).
    import importlib

    collect = importlib.import_module("nitet_cli.exchange.collect")
    monkeypatch.setattr(collect, "now_iso", lambda: "2026-11-24T09:00:00+00:00")
    for fmt in ("json", "csv"):
        assert recorded("export", "-f", fmt, "-o", "-").stdout_bytes == recorded("export", "-f", fmt).stdout_bytes
    recorded("manual", "export", "--yaml", "-o", str(tmp_path / "my-duties.yaml"))
    yaml_text = recorded("manual", "export", "--yaml", "-o", "-").stdout
    assert yaml_text == (tmp_path / "my-duties.yaml").read_text(encoding="utf-8")
    assert not (tmp_path / "-").exists()


DASH_REFUSED = [
    (["report", "-o", "-"], "--format json"),
    (["report", "--pdf", "-o", "-"], "รายงาน.docx"),
    (["report", "--format", "json", "-o", "-", "--json"], "--json"),
    (["export", "-f", "xlsx", "-o", "-"], ".xlsx"),
    (["export", "--with-evidence", "-o", "-"], ".zip"),
    (["export", "-o", "-", "--json"], "--json"),
    (["manual", "export", "-o", "-"], "--yaml -o -"),
    (["manual", "export", "--yaml", "-o", "-", "--json"], "--json"),
    (["backup", "-"], "nitet backup ~/nitet-backup/"),
    (["template", "export", "report", "-"], "report.docx"),
]


@pytest.mark.parametrize(("args", "named"), DASH_REFUSED, ids=[" ".join(a) for a, _ in DASH_REFUSED])
def test_dash_for_a_file_only_output_is_refused_in_thai(recorded, tmp_path, monkeypatch, args, named):
    """A Word document, a PDF, a workbook, an archive or a database copy is a file: `-o -` is
    refused in one Thai line, exit 2, nothing written (never a file named '-')."""
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    result = recorded(*args, ok=False)
    assert result.exit_code == 2 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("ข้อผิดพลาด: ") and "stdout" in line and named in line, line
    assert sorted(os.listdir(tmp_path)) == before


def test_no_service_writes_a_file_named_dash(tmp_path, monkeypatch):
    from nitet_cli.errors import OutputError
    from nitet_cli.files import check_output

    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="stdout"):
        check_output(Path("-"), db=None)
    assert check_output(tmp_path / "-", db=None) == tmp_path / "-"  # named by its full path: a file
