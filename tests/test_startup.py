"""Issue 13, item 3: nitet starts fast. The root group knows every command's name and module
(``nitet_cli.cli.COMMANDS``) and loads a module only when one of its commands runs, is asked for
help or is completed; ``--help`` and completion still see every command. (What the recording
commands import at all is checked in tests/test_entries.py, ``test_recording_and_listing_stay_light``.)
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nitet_cli.cli import COMMANDS, app

SRC = Path(__file__).resolve().parent.parent / "src"
CLI = SRC / "nitet_cli" / "cli"


def command_modules() -> set[str]:
    """The modules of nitet_cli/cli that declare commands (an ``app = typer.Typer()``)."""
    return {
        path.stem
        for path in CLI.glob("*.py")
        if path.stem != "__init__" and re.search(r"^app = typer\.Typer\(", path.read_text(encoding="utf-8"), re.M)
    }


def test_the_registry_names_every_command_of_every_module_and_nothing_else():
    declared = {}
    for module_name in sorted(command_modules()):
        module = importlib.import_module(f"nitet_cli.cli.{module_name}")
        for info in module.app.registered_commands:
            declared[info.name or info.callback.__name__.replace("_", "-")] = module_name
        for info in module.app.registered_groups:
            declared[info.name] = module_name
    assert declared == COMMANDS
    assert set(COMMANDS.values()) == command_modules()


def test_help_lists_every_command_with_its_thai_help(nitet):
    shown = nitet("--help").stdout
    listed = re.findall(r"^  (\S+)\s+(.+)$", shown.split("คำสั่ง:")[1], re.M)
    assert [name for name, _ in listed] == list(COMMANDS)
    for name, help_text in listed:
        assert re.search("[\u0e00-\u0e7f]", help_text), (name, help_text)  # Thai, as before
    assert "log-visit  บันทึกการนิเทศโรงเรียน" in shown and "follow-up  ข้อเสนอแนะที่ต้องติดตาม" in shown


def test_completion_offers_every_command(nitet):
    found = nitet.runner.invoke(
        app, [], prog_name="nitet", env={"_NITET_COMPLETE": "complete_bash", "COMP_WORDS": "nitet ", "COMP_CWORD": "1"}
    )
    assert found.exit_code == 0
    assert set(COMMANDS) <= set(found.stdout.split())


# In a fresh interpreter: the command modules each command line loads (help, completion, a run).
LOADS = """
import json, sys
from typer.main import get_command
from nitet_cli.cli import COMMANDS, app

MODULES = {f"nitet_cli.cli.{m}" for m in COMMANDS.values()}


def loaded():
    return sorted(m.rsplit(".", 1)[1] for m in MODULES if m in sys.modules)


def forget():
    for m in MODULES:
        sys.modules.pop(m, None)


root = get_command(app)
ctx = root.make_context("nitet", ["--db", "x.db", "status"], resilient_parsing=True)
result = {"listed": (root.list_commands(ctx), loaded())}
for name in COMMANDS:
    forget()
    command = get_command(app).get_command(ctx, name)  # a fresh root group, as every run makes
    result[name] = (command.name, loaded())
print(json.dumps(result))
"""


def test_each_command_module_is_loaded_only_for_its_own_commands():
    proc = subprocess.run([sys.executable, "-c", LOADS], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    names, modules = result.pop("listed")
    assert names == list(COMMANDS) and modules == []  # listing the commands loads none
    assert result == {name: [name, [module]] for name, module in COMMANDS.items()}


RUN = """
import sys
from nitet_cli.cli import COMMANDS, app
try:
    app(sys.argv[1:], prog_name="nitet", standalone_mode=False)
finally:
    modules = sorted({m for m in COMMANDS.values() if f"nitet_cli.cli.{m}" in sys.modules})
    print("MODULES=" + ",".join(modules), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "module"),
    [
        (["status", "--json"], "report"),
        (["due"], "due"),
        (["school", "show", "57010001"], "schools"),
        (["follow-up", "list"], "follow_ups"),
        (["term", "show"], "terms"),
        (["profile", "show"], "profile"),
        (["export", "-o", "{tmp}/out.csv"], "exchange"),
        (["doctor"], "maintenance"),
        (["manual", "show"], "manual"),
        (["show", "1"], "entries"),
    ],
)
def test_a_command_that_runs_loads_only_its_own_module(initialised, tmp_path, args, module):
    initialised("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    initialised("log-visit", "-s", "57010001", "-t", "นิเทศ", "--follow-up", "จัดมุมอ่าน")
    env = {**os.environ, "NITET_DB": str(initialised.db_path), "NITET_TODAY": "2026-11-24"}
    argv = [a.format(tmp=tmp_path) for a in args]
    proc = subprocess.run(
        [sys.executable, "-c", RUN, *argv], capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL
    )
    err = proc.stderr.decode()
    assert proc.returncode == 0, err[-2000:]
    assert [line for line in err.splitlines() if line.startswith("MODULES=")] == [f"MODULES={module}"]


def test_the_xml_forbidden_characters_are_exactly_what_xml_1_0_leaves_out():
    """text.strip_xml_forbidden lists the forbidden characters (a class re compiles in well under
    a millisecond) instead of negating the allowed ranges (5-10 ms on every start): the same
    characters, compared over every code point with XML 1.0's production."""
    from nitet_cli.text import strip_xml_forbidden

    def allowed(code: int) -> bool:  # XML 1.0, section 2.2, Char
        return (
            code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
        )

    every = "".join(map(chr, range(0x110000)))
    assert strip_xml_forbidden(every) == "".join(c for c in every if allowed(ord(c)))


def test_text_that_is_all_printable_never_needs_a_pattern():
    """strip_xml_forbidden and terminal_safe return a printable text as it is, without compiling
    their patterns (most titles and most lines): sound only if nothing they replace is printable."""
    from nitet_cli.cli import common
    from nitet_cli.text import _XML_FORBIDDEN

    for pattern in (re.compile(_XML_FORBIDDEN), re.compile(common._CONTROLS)):
        assert not [c for c in map(chr, range(0x110000)) if pattern.match(c) and c.isprintable()]
    assert common.terminal_safe("ก้้ [/b] 😀") == "ก้้ [/b] 😀"
    assert common.terminal_safe("a\x1bb\u2028") == "a\\x1bb\\u2028"


def test_the_console_script_closes_the_database_before_it_ends(initialised):
    """main() leaves Python's last garbage-collection passes nothing to scan (gc.freeze) only after
    the command: the connection is closed by then, so SQLite has checkpointed the entry into the
    database file and removed its -wal file, as at every close."""
    env = {**os.environ, "NITET_DB": str(initialised.db_path), "NITET_TODAY": "2026-11-24"}
    proc = subprocess.run(
        [sys.executable, "-c", "from nitet_cli.console import main; main()", "log", "1.2", "--title", "ประชุม"],
        capture_output=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert proc.stdout.decode().strip() == "1"
    assert not Path(f"{initialised.db_path}-wal").exists()
    assert initialised.query("SELECT title FROM activities") == [("ประชุม",)]


#: Run as the console script does, and say at exit whether the cyclic collector was on.
GC_AT_EXIT = (
    "import atexit, gc, sys; atexit.register(lambda: print('gc', gc.isenabled(), file=sys.stderr)); "
    "from nitet_cli.console import main; main()"
)


@pytest.mark.parametrize(
    ("args", "paused"),
    [
        (["log", "1.2", "--title", "ประชุม"], True),
        (["log-visit", "-s", "57010001", "-t", "นิเทศ"], True),
        (["status"], False),
        (["list"], False),
        (["report", "--format", "json", "-o", "-"], False),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else str(v),
)
def test_only_the_recording_commands_run_without_the_cyclic_collector(initialised, args, paused):
    """The console script pauses Python's cyclic garbage collector while it starts (nitet_cli.console);
    log and log-visit, short, run to the end without it, every other command gets it back once its
    module is loaded, so a long report or a national status never runs without it."""
    initialised("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    env = {**os.environ, "NITET_DB": str(initialised.db_path), "NITET_TODAY": "2026-11-24"}
    proc = subprocess.run(
        [sys.executable, "-c", GC_AT_EXIT, *args], capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL
    )
    assert proc.returncode in (0, 1), proc.stderr.decode()[-2000:]  # status: 1 when targets are behind
    assert f"gc {not paused}" in proc.stderr.decode()
