"""Shared pieces of the CLI: state, database opening, error display, output helpers.

Everything a person reads goes through the helpers here, so that no text a user typed
(or a file, another database, a hand edit in Datasette brought in) is ever taken for
anything but text:

- :func:`echo` writes plain lines; :func:`console` is the one rich console of a run, with
  markup, highlighting and emoji codes off, so ``[/b]``, ``[link=…]`` or ``:smile:`` in a
  school's name print as typed; styles are given as :func:`text` (rich ``Text`` with a
  style), never as markup in a string;
- :func:`terminal_safe` shows control characters (ANSI escape sequences, C1 controls such
  as the 8-bit CSI, DEL, carriage returns, NUL …) as ``\\x1b``-style escapes instead of
  sending them to the terminal, where they could recolour, move the cursor or rewrite
  what is shown.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import typer.core

from nitet_cli.cli.choices import Kind, Mode
from nitet_cli.db import SQLITE_MAX_INT  # a larger id, count or --limit is refused, not a traceback
from nitet_cli.errors import NitetError


class State:
    """What the root options chose for this run (``--db``, ``--quiet``) and its one database
    connection. A plain class: a dataclass costs its generated methods' compile on every start."""

    __slots__ = ("db_option", "quiet", "_conn")

    def __init__(self, db_option: str | None = None, quiet: bool = False) -> None:
        self.db_option = db_option
        self.quiet = quiet
        self._conn: Any = None

    @property
    def db_path(self) -> Path:
        from nitet_cli.paths import resolve_db_path

        return resolve_db_path(self.db_option)


# --- text for a terminal --------------------------------------------------------------------------

# Every C0 control but tab and newline, DEL, and every C1 control (U+0080–U+009F: a
# terminal may take U+009B for CSI, the start of an escape sequence); the line and
# paragraph separators U+2028/U+2029, which rich breaks a line at (a one-line field would
# show on two) and terminals show as nothing; and the bidirectional embeddings, overrides and
# isolates (U+202A–U+202E, U+2066–U+2069), with which a terminal that lays out right-to-left
# text shows what follows reversed or moved (Thai never needs them). The marks U+200E/U+200F
# and the zero-width space U+200B (a Thai word break) are kept.
_BIDI = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029{_BIDI}]"
# What JSON leaves raw in a string and a terminal would act on (JSON escapes C0 itself).
_JSON_RAW_CONTROLS = f"[\x7f-\x9f\u2028\u2029{_BIDI}]"


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def terminal_safe(value: object) -> str:
    """``value`` as text a terminal shows as it is: control characters become escapes
    (``\\x1b``, ``\\u2029``); everything else, Thai, emoji, brackets, is kept."""
    shown = str(value)
    if shown.isprintable():  # none of them is printable: most lines need no pattern (nor its compile)
        return shown
    return re.sub(_CONTROLS, _escape, shown)


def _encoding(stream) -> str:
    import codecs  # loaded by Python itself at start-up

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "utf-8").name
    except LookupError:
        return "utf-8"


def _writes_everything(stream) -> bool:
    """``stream`` writes every character: UTF-8 (or another UTF), as on any system set up today."""
    return _encoding(stream).startswith("utf")


def readable_output() -> None:
    """Makes a stdout that cannot write Thai write the run's output anyway (never a traceback
    half way through a table): ASCII, the encoding of no real terminal today (an explicit
    ``PYTHONIOENCODING=ascii``, an old ``LANG``), becomes UTF-8 — what click's own ``echo`` already
    writes there; another legacy encoding (latin-1, TIS-620 without emoji) keeps its encoding and
    shows what it cannot write as ``\\u0e01`` escapes, as Python's stderr does. Said once on stderr
    to a person at a terminal; cron and pipes get the output only."""
    for stream in (sys.stderr, sys.stdout):  # stderr too: rich's progress bar writes to it directly
        if _encoding(stream) == "ascii" and hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    out = sys.stdout
    encoding = _encoding(out)
    if encoding.startswith("utf") or getattr(out, "errors", "strict") != "strict" or not hasattr(out, "reconfigure"):
        return
    out.reconfigure(errors="backslashreplace")
    if sys.stderr is not None and sys.stderr.isatty():
        echo(
            f"หมายเหตุ: เทอร์มินัลนี้ใช้รหัสอักขระ {encoding} ซึ่งแสดงภาษาไทยไม่ได้ครบ จึงแสดงเป็นรหัสแบบ \\u0e01"
            " — ตั้ง LANG=C.UTF-8 (หรือ PYTHONIOENCODING=utf-8) เพื่อให้แสดงภาษาไทย",
            err=True,
        )


def echo(message: object = "", *, err: bool = False) -> None:
    """One plain line (no rich: recording commands print through this without loading it)."""
    typer.echo(terminal_safe(message), err=err)


def text(value: object = "", style: str | None = None):
    """A rich ``Text`` of ``value`` shown literally (control characters escaped), with an
    optional style such as ``"bold"`` or ``"red"``: a table cell, a title, a line. Tabs
    become spaces here: rich measures a tab as nothing but prints it as up to 8 spaces, so a
    table cell with one would wrap (or lose its end) at any width."""
    from rich.text import Text

    shown = Text(terminal_safe(value), style=style or "")
    if "\t" in shown.plain:
        shown.expand_tabs()
    return shown


_consoles: dict[bool, Any] = {}


def console(*, stderr: bool = False):
    """The rich console of this run (one for stdout, one for stderr), made on first use:
    markup, highlighting and emoji codes off, so a str printed through it is shown as it is."""
    found = _consoles.get(stderr)
    if found is None:
        from rich.console import Console

        found = _consoles[stderr] = Console(stderr=stderr, markup=False, highlight=False, emoji=False)
    return found


def err_console():
    return console(stderr=True)


def show_error(message: object) -> None:
    """``ข้อผิดพลาด: …`` on stderr, as every refused command says it."""
    echo(f"ข้อผิดพลาด: {message}", err=True)


# --- the root group: errors as users see them ----------------------------------------------------


def _too_large(tokens: list[str]) -> str:
    """The first whole number typed (an id, --teachers, --limit, ID:RESULT …) that SQLite cannot store."""
    from nitet_cli.thai import to_arabic_digits

    for token in tokens:
        head = to_arabic_digits(token.split("=", 1)[-1].split(":", 1)[0].strip())
        if head.lstrip("+-").isdigit() and abs(int(head)) > SQLITE_MAX_INT:
            return head
    return ""


def _output_failed(error: OSError) -> NoReturn:
    """The command's output could not be written (``nitet list > /dev/full``, a full disk under a
    redirect, a terminal gone): one Thai line and exit 5, or, for a reader that stopped reading
    (``nitet list | head -1``), exit 1 quietly as click does. Whatever is still buffered for stdout
    is sent nowhere, so Python's own flush at exit cannot fail again and print a traceback."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if error.errno == errno.EPIPE:
        sys.exit(1)
    from nitet_cli.errors import EXIT_OUTPUT

    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        reason = "พื้นที่ดิสก์เต็ม"
    else:
        reason = error.strerror or str(error)
    show_error(
        f"เขียนผลลัพธ์ออกทาง stdout ไม่ได้ ({reason}) — ตรวจที่ที่ส่งผลลัพธ์ไป (ไฟล์หลัง > หรือโปรแกรมหลัง |)"
        " หรือใช้ -o ไฟล์ ถ้าคำสั่งมี; สิ่งที่บันทึกลงฐานข้อมูลแล้วยังอยู่ครบ"
    )
    sys.exit(EXIT_OUTPUT)


class NitetContext(typer.Context):
    """The context of every nitet command: its help page is made by cli.help_pages (Thai help for
    the options click and Typer add, wrapped for Thai at the terminal's width), loaded only then."""

    def get_help(self) -> str:
        from nitet_cli.cli.help_pages import help_page

        return help_page(self)

    def make_formatter(self):
        from nitet_cli.cli.help_pages import Formatter

        return Formatter(width=self.terminal_width, max_width=self.max_content_width)


class NitetGroup(typer.core.TyperGroup):
    """The command groups of nitet. The root one (``main``) shows every error, nitet's own
    and click's usage errors alike, as one Thai line ``ข้อผิดพลาด: …`` on stderr with a
    stable exit code (usage errors: 2), and makes a fresh console for each run. Its commands'
    help pages are made by :class:`NitetContext`."""

    context_class = NitetContext

    def get_command(self, ctx: typer.Context, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is not None and not issubclass(command.context_class, NitetContext):
            command.context_class = NitetContext  # a command Typer made (click's attribute for it)
        return command

    def format_commands(self, ctx: typer.Context, formatter) -> None:
        from nitet_cli.cli.help_pages import format_commands

        format_commands(self, ctx, formatter)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode: bool = True, **extra):
        _consoles.clear()  # one console per run, made for this run's streams and terminal width
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        global _stdout_closed
        _stdout_closed = sys.stdout is None  # said by each run, not left over from an earlier one
        if _stdout_closed:  # started with its output closed (`nitet list >&-`): the output goes nowhere
            sys.stdout = open(os.devnull, "w", encoding="utf-8")
        readable_output()
        try:
            # Not standalone: click hands every error back here instead of printing it in English.
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            sys.stdout.flush()  # what is still buffered fails here, where it can be said, not at exit
        except NitetError as error:
            show_error(error)
            sys.exit(error.exit_code)
        except typer.Abort:
            echo("ยกเลิก", err=True)
            sys.exit(1)
        except typer.TyperException as error:  # click's exceptions, as typer exposes them
            from nitet_cli.cli.usage import describe_click_error

            if getattr(error, "ctx", False) is None and not hasattr(error, "nitet_command"):
                error.nitet_command = (prog_name or "nitet", self)  # an option of nitet itself
            message, code = describe_click_error(error)
            if message is None:  # `nitet school` alone: the help, as click shows it
                error.show()
            else:
                show_error(message)
            sys.exit(code)
        except OSError as error:
            if error.filename is not None:  # a file's error no service said in Thai: a bug to see whole
                raise
            _output_failed(error)
        # Not standalone, click returns the command's result, or the exit code of a typer.Exit.
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: typer.Context):
        tokens = [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            return super().invoke(ctx)
        except typer.TyperException as error:
            # The parser reports an option without a value ('-t' at the end) without saying
            # for which command: the subcommand being started is the one.
            if getattr(error, "ctx", False) is None and not hasattr(error, "nitet_command"):
                name = ctx.invoked_subcommand
                command = self.get_command(ctx, name) if name else None
                error.nitet_command = (f"{ctx.command_path} {name}" if name else ctx.command_path, command)
            raise
        except OverflowError as exc:
            # sqlite3 refuses an int beyond 64 bits when the query runs; every write rolls back on it.
            from nitet_cli.errors import InputError

            number = _too_large(tokens)
            what = f"ตัวเลข {number} ใหญ่เกินไป" if number else "ตัวเลขที่ระบุใหญ่เกินไป"
            raise InputError(f"{what} — หมายเลขรายการ จำนวน และ --limit/--offset ต้องไม่เกิน {SQLITE_MAX_INT:,}") from exc
        except NitetError:
            raise  # shown by the root group's main as one line
        except Exception as error:
            # A SQLite error no service turned into a sentence (a disk that fills during a read,
            # a file made read-only meanwhile): still one sentence about the database, no traceback.
            sqlite3 = sys.modules.get("sqlite3")
            if sqlite3 is None or not isinstance(error, sqlite3.Error):
                raise
            from nitet_cli.db import explain

            try:
                path = state(ctx).db_path
            except NitetError:
                path = None
            raise explain(error, path) from error


#: ``ctx.meta`` key of :class:`OrderedCommand`: the command's parameter names in command-line order.
OPTION_ORDER = "nitet.option_order"


class OrderedCommand(typer.core.TyperCommand):
    """A command that remembers the order in which its options were given (``-e a.jpg --caption X
    -e b.jpg --caption Y``): click keeps the values of each option in order, but not how two
    options interleave. Click's own parser (``Command.make_parser``) reports that order — "a list
    of objects as they appear on the command line", one per occurrence — which is kept in
    ``ctx.meta[OPTION_ORDER]`` as parameter names before click parses the arguments as usual."""

    context_class = NitetContext

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        _values, _rest, order = self.make_parser(ctx).parse_args(args=list(args))
        ctx.meta[OPTION_ORDER] = [param.name for param in order]
        return super().parse_args(ctx, args)


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = State()
    return root.obj


def open_db(ctx: typer.Context, *, create: bool = False):
    """The database connection for this command (migrated to the current schema)."""
    from nitet_cli.db import connect

    st = state(ctx)
    if st._conn is None:
        st._conn = connect(st.db_path, create=create, announce=announcer())
        ctx.call_on_close(st._conn.close)
    return st._conn


def announcer():
    """What the storage layer has to say before a long piece of work (upgrading a big database),
    shown on stderr when a person is watching it (a terminal); cron and pipes get nothing."""
    stream = sys.stderr
    if stream is None or not stream.isatty():
        return None
    return lambda message: echo(message, err=True)


def print_sample_notice(conn) -> None:
    """One line on stderr while the owner's profile is still the bundled sample. Commands call it
    for their human output only, never with --json."""
    from nitet_cli.profile import sample_notice

    line = sample_notice(conn)
    if line:
        echo(line, err=True)


def json_safe(text: str) -> str:
    """JSON text with DEL, the C1 controls (U+009B is CSI to a terminal), U+2028/U+2029 and the
    bidi controls written as ``\\u009b`` escapes: the same JSON value, nothing a terminal acts on.
    (Outside its strings JSON is ASCII, so each one found is inside a string.)"""
    return re.sub(_JSON_RAW_CONTROLS, lambda found: f"\\u{ord(found.group()):04x}", text)


def print_json(data: Any) -> None:
    """JSON on stdout, Thai as it is: indented for a person at a terminal, compact (no spaces,
    one line) for a pipe, a file or a program — the C encoder then writes it about four times
    faster (a national ``status --json``: 0.25 s -> 0.07 s for its 37,500 school rows). Controls
    a terminal would act on are escaped (:func:`json_safe`); on a stdout in a legacy encoding (a
    latin-1 or TIS-620 locale, see :func:`readable_output`) all of it is ``\\u0e01`` escapes: the same JSON."""
    import json

    out = sys.stdout
    ascii_only = not _writes_everything(out)
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        text = json.dumps(data, ensure_ascii=ascii_only, indent=2, default=str)
    else:
        text = json.dumps(data, ensure_ascii=ascii_only, separators=(",", ":"), default=str)
    out.write(json_safe(text) + "\n")


#: True when nitet was started with its stdout closed (``>&-``): what it prints goes nowhere.
_stdout_closed = False


def is_stdout(path: Path | None) -> bool:
    """``-o -``: the output goes to stdout, as with most command-line tools (a file named ``-``
    is never written: its full path names it, e.g. ``$PWD/-``). Refused, before any work, when
    stdout is closed: the output asked for would be lost while the command said it succeeded."""
    if path is None or str(path) != "-":
        return False
    require_stdout()
    return True


def require_stdout() -> None:
    """Refuse, before any work, output that is the command's work (``-o -``, ``export`` without
    ``-o``) when stdout is closed: it would be lost while the command said it succeeded."""
    if _stdout_closed:
        from nitet_cli.errors import OutputError

        raise OutputError("ผลลัพธ์ต้องออกทาง stdout แต่ stdout ถูกปิดอยู่ (>&-) — ระบุไฟล์ด้วย -o FILE หรือเปิด stdout")


def is_interactive() -> bool:
    return sys.stdin.isatty()


# --- shared by several commands ------------------------------------------------------------------


YEAR_HELP = "ปีการศึกษา (พ.ศ.) เช่น 2569 (ค่าเริ่มต้น: ปีของภาคเรียนปัจจุบัน)"
TERM_HELP = "ภาคเรียน 1 หรือ 2 (ค่าเริ่มต้น: ภาคเรียนปัจจุบัน)"

# Options several commands take, declared once as Typer's documentation shows
# (``json_output: JsonOption = False``); an option that only one command has is declared in place.
JsonOption = Annotated[bool, typer.Option("--json", help="แสดงผลเป็น JSON")]
YearOption = Annotated[int | None, typer.Option("--year", help=YEAR_HELP)]
TermOption = Annotated[int | None, typer.Option("--term", help=TERM_HELP)]
KindOption = Annotated[Kind | None, typer.Option("--kind", "-k", help="ประเภทกิจกรรม")]
ModeOption = Annotated[
    Mode | None, typer.Option("--mode", help="รูปแบบ: onsite (ลงพื้นที่), online (ออนไลน์), hybrid (ผสมผสาน)")
]
PdfOption = Annotated[bool, typer.Option("--pdf", help="แปลงเป็น PDF ด้วย LibreOffice ด้วย (ไฟล์ DOCX ยังอยู่)")]
CaptionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--caption",
        help="คำบรรยายหลักฐาน: ใส่ต่อท้ายไฟล์ (-e) หรือลิงก์ที่บรรยาย; ใส่ครั้งเดียว ใช้กับหลักฐานทุกชิ้นของคำสั่งนี้",
    ),
]

#: A progress bar appears only for work that has already taken this long.
PROGRESS_AFTER_SECONDS = 1.0


@contextlib.contextmanager
def progress_reporter(ctx: typer.Context):
    """An on_progress callback drawing a rich bar on stderr once work takes over a second;
    None (silent) with --quiet or when stderr is not a terminal."""
    if state(ctx).quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.monotonic()
    bar: dict = {"progress": None, "tasks": {}}

    def update(description: str, done: int, total: int) -> None:
        if bar["progress"] is None:
            if time.monotonic() - started < PROGRESS_AFTER_SECONDS:
                return
            bar["progress"] = Progress(
                TextColumn("{task.description}", markup=False),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err_console(),
                transient=True,
            )
            bar["progress"].start()
        tasks = bar["tasks"]
        if description not in tasks:
            tasks[description] = bar["progress"].add_task(description, total=total)
        bar["progress"].update(tasks[description], completed=done, total=total)

    try:
        yield update
    finally:
        if bar["progress"] is not None:
            bar["progress"].stop()
