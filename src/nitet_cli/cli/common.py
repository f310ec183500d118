"""Shared pieces of the CLI: state, database opening, error display, output helpers."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
import typer.core

from nitet_cli.errors import NitetError


@dataclass
class State:
    db_option: str | None = None
    quiet: bool = False
    _conn: Any = field(default=None, repr=False)

    @property
    def db_path(self) -> Path:
        from nitet_cli.paths import resolve_db_path

        return resolve_db_path(self.db_option)


# typer (0.26 and later) runs on its own vendored copy of click and catches only that
# copy's exceptions; the real click is not even installed with it.
from typer._click.exceptions import ClickException as _ClickException  # noqa: E402


class CliError(_ClickException):
    """A NitetError as click shows it: 'ข้อผิดพลาด: …' on stderr, the error's exit code."""

    def __init__(self, error: NitetError):
        super().__init__(str(error))
        self.exit_code = error.exit_code

    def show(self, file=None) -> None:
        typer.echo(f"ข้อผิดพลาด: {self.format_message()}", err=True)


#: The largest integer SQLite stores (a larger id, count or --limit is refused, not a traceback).
SQLITE_MAX_INT = 2**63 - 1


def _too_large(tokens: list[str]) -> str:
    """The first whole number typed (an id, --teachers, --limit, ID:RESULT …) that SQLite cannot store."""
    from nitet_cli.thai import to_arabic_digits

    for token in tokens:
        head = to_arabic_digits(token.split("=", 1)[-1].split(":", 1)[0].strip())
        if head.lstrip("+-").isdigit() and abs(int(head)) > SQLITE_MAX_INT:
            return head
    return ""


class NitetGroup(typer.core.TyperGroup):
    def invoke(self, ctx: typer.Context):
        tokens = [*getattr(ctx, "_protected_args", []), *ctx.args]
        try:
            return super().invoke(ctx)
        except NitetError as error:
            raise CliError(error) from error
        except OverflowError as exc:
            # sqlite3 refuses an int beyond 64 bits when the query runs; every write rolls back on it.
            from nitet_cli.errors import InputError

            number = _too_large(tokens)
            what = f"ตัวเลข {number} ใหญ่เกินไป" if number else "ตัวเลขที่ระบุใหญ่เกินไป"
            raise CliError(
                InputError(f"{what} — หมายเลขรายการ จำนวน และ --limit/--offset ต้องไม่เกิน {SQLITE_MAX_INT:,}")
            ) from exc
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
            raise CliError(explain(error, path)) from error


#: ``ctx.meta`` key of :class:`OrderedCommand`: the command's parameter names in command-line order.
OPTION_ORDER = "nitet.option_order"


class OrderedCommand(typer.core.TyperCommand):
    """A command that remembers the order in which its options were given (``-e a.jpg --caption X
    -e b.jpg --caption Y``): click keeps the values of each option in order, but not how two
    options interleave. Click's own parser (``Command.make_parser``) reports that order — "a list
    of objects as they appear on the command line", one per occurrence — which is kept in
    ``ctx.meta[OPTION_ORDER]`` as parameter names before click parses the arguments as usual."""

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
        st._conn = connect(st.db_path, create=create)
        ctx.call_on_close(st._conn.close)
    return st._conn


def print_sample_notice(conn) -> None:
    """One line on stderr while the owner's profile is still the bundled sample. Commands call it
    for their human output only, never with --json."""
    from nitet_cli.profile import sample_notice

    line = sample_notice(conn)
    if line:
        typer.echo(line, err=True)


def print_json(data: Any) -> None:
    """JSON on stdout, Thai as it is: indented for a person at a terminal, compact (no spaces,
    one line) for a pipe, a file or a program — the C encoder then writes it about four times
    faster (a national ``status --json``: 0.25 s -> 0.07 s for its 37,500 school rows)."""
    out = sys.stdout
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    else:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    out.write(text + "\n")


def console():
    from rich.console import Console

    return Console()


def err_console():
    from rich.console import Console

    return Console(stderr=True)


def is_interactive() -> bool:
    return sys.stdin.isatty()
