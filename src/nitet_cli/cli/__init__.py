"""The ``nitet`` command line: parses arguments, calls services, prints results.

No SQL and no XML here. Each command module (``entries``, ``report``, …) declares its
commands on its own ``app = typer.Typer()``, as Typer's documentation splits an
application into files; the root group knows every command's name and module
(:data:`COMMANDS`) and imports a module only when one of its commands is run, asked
for help or completed: ``nitet log …`` loads ``record`` and nothing of ``report``,
``exchange`` or the DOCX stack. ``nitet --help`` and shell completion still see every
command (the root lists them all and loads each to show its help).
"""

import gc
import importlib
from typing import Annotated

import typer

from nitet_cli.cli.common import NitetGroup, State

#: Every command of nitet → the module of ``nitet_cli.cli`` that declares it, in the order
#: ``nitet --help`` lists them (tests/test_startup.py checks it against the modules).
COMMANDS = {
    "status": "report",
    "report": "report",
    "due": "due",
    "log-visit": "record",
    "log": "record",
    "list": "entries",
    "show": "entries",
    "edit": "entries",
    "delete": "entries",
    "export": "exchange",
    "import": "exchange",
    "merge": "exchange",
    "doctor": "maintenance",
    "backup": "maintenance",
    "init": "manual",
    "template": "report",
    "evidence": "entries",
    "follow-up": "follow_ups",
    "manual": "manual",
    "profile": "profile",
    "school": "schools",
    "term": "terms",
}


#: The commands that run to the end with Python's cyclic garbage collector paused (see
#: nitet_cli.console): short, and making few objects.
WITHOUT_GC = frozenset({"log", "log-visit"})


def load_command(name: str) -> typer.core.TyperCommand | typer.core.TyperGroup:
    """The click command (or group) ``name`` as Typer makes it, from its module's ``app``:
    only that command is converted (``typer.main.get_command`` of a Typer holding it alone),
    with the root's settings (no rich help, no completion options of its own)."""
    module = importlib.import_module(f"{__name__}.{COMMANDS[name]}")
    part = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
    part.registered_commands = [
        info
        for info in module.app.registered_commands
        if (info.name or typer.main.get_command_name(info.callback.__name__)) == name
    ]
    part.registered_groups = [info for info in module.app.registered_groups if info.name == name]
    if len(part.registered_commands) + len(part.registered_groups) != 1:
        raise LookupError(f"nitet_cli.cli.{COMMANDS[name]} declares no single command {name!r}")
    command = typer.main.get_command(part)
    return command.commands[name] if part.registered_groups else command


class RootGroup(NitetGroup):
    """``nitet`` itself: every command listed from :data:`COMMANDS`, each loaded on first use."""

    def main(self, *args, **kwargs):
        for param in self.params:  # Typer's --install-completion, saying what it did in Thai
            if param.name == "install_completion" and param.callback is not None:
                param.callback = _install_completion_in_thai(param.callback)
        return super().main(*args, **kwargs)

    def list_commands(self, ctx: typer.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: typer.Context, cmd_name: str):
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load_command(cmd_name)
        if cmd_name not in WITHOUT_GC and not gc.isenabled():
            # Paused by the console script for the start (nitet_cli.console); a command that may
            # run long or make many objects gets it back, what is loaded by now frozen out of it.
            gc.freeze()
            gc.enable()
        return super().get_command(ctx, cmd_name)


def _install_completion_in_thai(original):
    if getattr(original, "nitet_thai", False):
        return original

    def install(ctx: typer.Context, param, value):
        if not value or ctx.resilient_parsing:
            return original(ctx, param, value)
        from nitet_cli.cli.help_pages import install_completion

        return install_completion(original, ctx, param, value)

    install.nitet_thai = True
    return install


app = typer.Typer(
    cls=RootGroup,
    name="nitet",  # also when run in-process (tests): errors and help say 'nitet …'
    help="nitet — คู่มือปฏิบัติงาน บันทึกการนิเทศ และรายงานผลการปฏิบัติงานของศึกษานิเทศก์",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    # -h as well as --help, for nitet and (a context inherits it from its parent) every command
    # under it, including those the root group loads only when they are used.
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str,
        typer.Option(
            "--db", envvar="NITET_DB", help="ไฟล์ฐานข้อมูล (ค่าเริ่มต้น: NITET_DB หรือโฟลเดอร์ข้อมูลของผู้ใช้)", show_envvar=True
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="ไม่แสดงแถบความคืบหน้าและข้อความประกอบ")] = False,
) -> None:
    ctx.obj = State(db_option=db, quiet=quiet)


def main() -> None:
    """The ``nitet`` console script."""
    try:
        app(prog_name="nitet")
    finally:
        # Python ends by clearing every module and running its cyclic garbage collector over
        # whatever that leaves, several full passes over every object typer and nitet made:
        # on a short command that costs more than the command itself (nitet log: ~15 ms of a
        # ~75 ms run on an idle machine). By now the command is over: its database connection
        # and every file it wrote are closed (click closes the context, and with it the
        # connection, before the exit), and the standard streams are flushed by Python after
        # this. Frozen, the objects are left out of those passes, and the OS takes the memory
        # back at once. Atexit handlers and reference counting still run as usual.
        gc.freeze()
