"""Issue 14 (8): every ``nitet …`` command line in README.md and ARCHITECTURE.md names a command
that exists and options that exist on it, so the documents cannot drift from the CLI.

Command lines are taken from fenced code blocks (a ``$ `` prompt marks the commands of a block
that also shows output; ``\\`` continues a line) and from inline code. The command tree is
walked from ``typer.main.get_command(app)`` with click's public ``list_commands`` /
``get_command``, which also work when the group loads its command modules on demand.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest
import typer

from nitet_cli.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = ["README.md", "ARCHITECTURE.md"]

# `nitet` as a command word: at the start, after a blank, `(` (of `$(`), a quote, a pipe or `;`,
# optionally with a path (`.venv/bin/nitet`); never `nitet.db`, `nitet-evidence/`, `nitet_cli`.
COMMAND_WORD = re.compile(r"(?:^|(?<=[\s(|;&'`\"]))(?:[\w.~$/-]*/)?nitet(?=\s|$)")
SHELL_OPERATORS = {"|", "||", "&", "&&", ";", ";;", "(", ")", "<", ">", ">>", "<<", ">&", "<&"}
PLACEHOLDERS = ("…", "...", "<Tab>")


@dataclass(frozen=True)
class Line:
    where: str  # "README.md:246"
    text: str  # the tokens after `nitet`, as written


def fenced_and_inline(text: str) -> tuple[list[tuple[int, list[str]]], list[tuple[int, str]]]:
    """The fenced code blocks (first line number, lines) and the prose (line number, line)."""
    blocks: list[tuple[int, list[str]]] = []
    prose: list[tuple[int, str]] = []
    block: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            if block is None:
                block, start = [], number + 1
            else:
                blocks.append((start, block))
                block = None
            continue
        if block is None:
            prose.append((number, line))
        else:
            block.append(line)
    assert block is None, "an unclosed code fence"
    return blocks, prose


def block_commands(start: int, lines: list[str]) -> list[tuple[int, str]]:
    """The shell lines of a block, ``\\`` continuations joined; in a block with ``$ `` prompts
    only the prompted lines (the rest is output)."""
    prompted = any(line.startswith("$ ") for line in lines)
    commands: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for offset, line in enumerate(lines):
        number = start + offset
        if pending is not None:
            first, text = pending
            text += " " + line.strip()
        elif prompted and not line.startswith("$ "):
            continue
        else:
            first, text = number, line[2:] if prompted else line
        if text.rstrip().endswith("\\"):
            pending = (first, text.rstrip()[:-1])
            continue
        pending = None
        commands.append((first, text))
    return commands


def inline_code(prose: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Inline code spans of the prose (a span may run onto the next line of its paragraph)."""
    text = "\n".join(line for _, line in prose)
    numbers = [number for number, _ in prose]
    spans = []
    for match in re.finditer(r"`([^`]+)`", text):
        spans.append((numbers[text.count("\n", 0, match.start())], match.group(1).replace("\n", " ")))
    return spans


def nitet_lines(path: Path) -> list[Line]:
    name = path.name
    blocks, prose = fenced_and_inline(path.read_text(encoding="utf-8"))
    shell = [pair for start, lines in blocks for pair in block_commands(start, lines)] + inline_code(prose)
    found = []
    for number, text in shell:
        for match in COMMAND_WORD.finditer(text):
            opener = text[match.start() - 1] if match.start() else ""
            rest = text[match.end() :]
            if opener == '"':
                continue  # a string that names nitet (a mail subject), not a command
            if opener and opener in "'`":
                rest = rest.split(opener, 1)[0]  # 'nitet school import' in a comment
            found.append(Line(f"{name}:{number}", rest))
    return found


def words(rest: str) -> list[str]:
    """The arguments of one command: up to the first shell operator or comment."""
    lexer = shlex.shlex(rest, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    taken = []
    try:
        for word in lexer:
            if word in SHELL_OPERATORS or (set(word) <= set("|&;<>()") and word):
                break
            taken.append(word)
    except ValueError:  # an unclosed quote: the command ends where the quoted text began
        pass
    return taken


def is_placeholder(word: str) -> bool:
    return any(mark in word for mark in PLACEHOLDERS) or word.isupper() and word.isalpha()


def check(words_: list[str], cli: typer.Typer = app) -> str | None:
    """Why the command line is wrong, or None: walks the command tree as click would parse it."""
    root = typer.main.get_command(cli)
    command, ctx, path = root, typer.Context(root, info_name="nitet", **root.context_settings), ["nitet"]
    positional = 0
    index = 0
    while index < len(words_):
        word = words_[index]
        index += 1
        if word.startswith("-") and word != "-":
            name, _, inline = word.partition("=")
            options = {opt: param for param in command.get_params(ctx) for opt in (*param.opts, *param.secondary_opts)}
            if name not in options and not name.startswith("--") and len(name) > 2:
                name, inline = word[:2], word[2:]  # `-n20`: a short option with its value attached
            param = options.get(name)
            if param is None or param.param_type_name != "option":
                return f"{' '.join(path)} has no option {name}"
            if param.is_flag or param.count:
                if inline:
                    return f"{' '.join(path)} {name} takes no value"
                continue
            value = inline or (words_[index] if index < len(words_) else None)
            if not inline:
                index += max(param.nargs, 1) if value is not None else 0
            choices = getattr(param.type, "choices", None)
            if value is not None and choices and not is_placeholder(value):
                allowed = {getattr(choice, "value", choice) for choice in choices}
                if value not in allowed:
                    return f"{' '.join(path)} {name}: {value!r} is not one of {sorted(map(str, allowed))}"
            continue
        if hasattr(command, "list_commands"):  # a group: the word names a subcommand
            if is_placeholder(word):
                return None  # `nitet …`, `nitet --quiet …`
            sub = command.get_command(ctx, word)
            if sub is None:
                return f"{' '.join(path)} has no command {word!r} (it has {', '.join(command.list_commands(ctx))})"
            command, ctx = sub, typer.Context(sub, parent=ctx, info_name=word)
            path.append(word)
            continue
        if word in PLACEHOLDERS:
            continue
        positional += 1
    arguments = [param for param in command.params if param.param_type_name == "argument"]
    most = float("inf") if any(param.nargs < 0 for param in arguments) else sum(param.nargs for param in arguments)
    if positional > most:
        return f"{' '.join(path)} takes at most {most} argument(s), the line gives {positional}"
    return None


def all_lines() -> list[Line]:
    return [line for name in DOCUMENTS if (ROOT / name).exists() for line in nitet_lines(ROOT / name)]


def test_the_documents_have_command_lines_to_check():
    found = all_lines()
    assert len(found) > 120
    paths = {tuple(w for w in words(line.text) if not w.startswith("-"))[:1] for line in found}
    assert {("log-visit",), ("report",), ("merge",), ("school",), ("export",)} <= paths


@pytest.mark.parametrize("line", all_lines(), ids=lambda line: line.where)
def test_every_command_line_names_a_command_and_options_that_exist(line):
    problem = check(words(line.text))
    assert problem is None, f"{line.where}: nitet {line.text.strip()} — {problem}"


# --- the checker itself: it finds what it is for ------------------------------------------------


@pytest.mark.parametrize(
    "text, wrong",
    [
        ("--db x.db satus", "has no command 'satus'"),
        ("log-visit --shool บ้านคู่", "has no option --shool"),
        ("school lst --json", "has no command 'lst'"),
        ("--db g.db report --term 2 --fromat json", "has no option --fromat"),
        ("status 2", "takes at most 0 argument"),
        ("delete 3 --yes=1", "takes no value"),
        ("show 1 2", "takes at most 1 argument"),
        ("list -x20", "has no option -x"),
    ],
)
def test_the_checker_finds_a_wrong_line(text, wrong):
    problem = check(words(text))
    assert problem is not None and wrong in problem


@pytest.mark.parametrize(
    "text",
    [
        "--db group.db merge มาลี.db สมชาย.db …",
        "-q status --fail-on-gap --json > out 2> out.err",
        "log 7.2 8.2 --kind meeting --title 'ประชุม ๒' --date yesterday | tail -n 1",
        "--quiet …",
        "log-visit --school บ้านค<Tab>",
        "delete ID --yes",
        "log-visit -t",
        "report --term 2 --help",
        "list -n20 --offset=20",
    ],
)
def test_the_checker_takes_a_right_line(text):
    assert check(words(text)) is None


class Mode(str, Enum):
    onsite = "onsite"
    online = "online"


def test_the_checker_knows_the_choices_of_an_option():
    """Once an option offers choices (an Enum), a README value outside them is found too."""
    cli = typer.Typer()

    @cli.command()
    def visit(mode: Mode = typer.Option(Mode.onsite, "--mode")) -> None: ...

    @cli.command()
    def other() -> None: ...

    assert check(words("visit --mode online"), cli) is None
    assert check(words("visit --mode …"), cli) is None
    assert "is not one of" in check(words("visit --mode ออนไลน์"), cli)


def test_lines_are_found_in_blocks_prompts_continuations_and_inline_code(tmp_path):
    document = tmp_path / "README.md"
    document.write_text(
        "Run `nitet doctor --fix` or `nitet.db` (not a command).\n"
        "```bash\n"
        "$ nitet log-visit --school บ้านคู่ \\\n"
        "    --title x --teachers 6\n"
        "1   # output, not a command: nitet bogus\n"
        '$ xdg-open "$(nitet evidence open 1)"   # or: nitet show 1\n'
        "```\n"
        "```sh\n"
        "mail -s \"nitet status failed\" a@b   # 'nitet school import' reads it\n"
        ".venv/bin/nitet --db nitet.db init\n"
        "```\n",
        encoding="utf-8",
    )
    found = [(line.where, words(line.text)) for line in nitet_lines(document)]
    assert found == [
        ("README.md:3", ["log-visit", "--school", "บ้านคู่", "--title", "x", "--teachers", "6"]),
        ("README.md:6", ["evidence", "open", "1"]),
        ("README.md:6", ["show", "1"]),
        ("README.md:9", ["school", "import"]),
        ("README.md:10", ["--db", "nitet.db", "init"]),
        ("README.md:1", ["doctor", "--fix"]),
    ]


# --- a newcomer's day: the section "A day's logging" runs as written ---------------------------


def test_a_days_logging_runs_as_written_after_the_first_command(tmp_path, monkeypatch):
    """Straight after the README's first command (``nitet --db nitet.db init`` in the checkout),
    the section's blocks run line by line: its setup (the first command's database, the two
    schools its examples name), then every ``$ nitet …`` line, each exiting 0, and the list shows
    the three entries. It once began with ``log-visit --school บ้านคู่`` in a database without schools."""
    from typer.testing import CliRunner

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### A day's logging", 1)[1].split("\n- ", 1)[0]
    blocks, _prose = fenced_and_inline(section)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")  # the day of the README's output
    monkeypatch.setenv("NITET_DB", str(tmp_path / "nitet.db"))  # what the setup's export line sets
    runner = CliRunner()
    assert runner.invoke(app, ["--db", "nitet.db", "init"]).exit_code == 0  # the first command
    for name in ("ห้องเรียน1.jpg", "ห้องเรียน2.jpg"):
        (tmp_path / name).write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + name.encode() + b"\xff\xd9")
    ran = []
    for start, lines in blocks:
        for number, command in block_commands(start, lines):
            if command.startswith("export "):
                continue  # PATH and NITET_DB: set above
            if not command.startswith("nitet "):
                subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True)
                continue
            result = runner.invoke(app, words(command)[1:])
            assert result.exit_code == 0, (
                f"README.md (A day's logging, block line {number}): {command}\n{result.output}"
            )
            ran.append(words(command)[1])
    assert ran[-1] == "list" and "แสดงรายการที่ 1–3 จากที่ตรงเงื่อนไข 3 รายการ" in result.stdout
