"""The ``nitet`` command line: parses arguments, calls services, prints results.

No SQL and no XML here. Each command group lives in its own module and registers
itself on ``app``; the modules import their services lazily so that recording
commands start without loading the DOCX stack.
"""

from __future__ import annotations

import typer

from nitet_cli.cli.common import NitetGroup, State

app = typer.Typer(
    cls=NitetGroup,
    name="nitet",  # also when run in-process (tests): errors and help say 'nitet …'
    help="nitet — คู่มือปฏิบัติงาน บันทึกการนิเทศ และรายงานผลการปฏิบัติงานของศึกษานิเทศก์",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: str = typer.Option(
        None,
        "--db",
        envvar="NITET_DB",
        help="ไฟล์ฐานข้อมูล (ค่าเริ่มต้น: NITET_DB หรือโฟลเดอร์ข้อมูลของผู้ใช้)",
        show_envvar=True,
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="ไม่แสดงแถบความคืบหน้าและข้อความประกอบ"),
) -> None:
    ctx.obj = State(db_option=db, quiet=quiet)


# Command modules register themselves on import.
from nitet_cli.cli import due as _due  # noqa: E402,F401
from nitet_cli.cli import entries as _entries  # noqa: E402,F401
from nitet_cli.cli import exchange as _exchange  # noqa: E402,F401
from nitet_cli.cli import follow_ups as _follow_ups  # noqa: E402,F401
from nitet_cli.cli import maintenance as _maintenance  # noqa: E402,F401
from nitet_cli.cli import manual as _manual  # noqa: E402,F401
from nitet_cli.cli import profile as _profile  # noqa: E402,F401
from nitet_cli.cli import report as _report  # noqa: E402,F401
from nitet_cli.cli import schools as _schools  # noqa: E402,F401
from nitet_cli.cli import terms as _terms  # noqa: E402,F401


def main() -> None:
    app(prog_name="nitet")
