"""Shell completion: Typer's ``autocompletion=`` callbacks of nitet's options and arguments.

Each callback receives the click context of the command line typed so far and the word being
typed, finds the database that command line would use (``--db`` already on it, else
``NITET_DB``, else the per-user default) and returns the candidates the service
:mod:`nitet_cli.completion` reads from it (no SQL here). That module is imported only when a
word is completed, never when a command is declared or run. (Typer passes the context and the word by the
parameters' annotations: ``typer.Context`` and ``str``.)
"""

from pathlib import Path

import typer


def db_path_for(ctx: typer.Context | None) -> Path | None:
    """The database this command line would use (as cli.common.State resolves it), if it is a file."""
    from nitet_cli.paths import resolve_db_path

    option = None
    current = ctx
    while current is not None:  # --db is a root option; a sub-command may be completing
        params = getattr(current, "params", None) or {}
        if params.get("db"):
            option = params["db"]
            break
        obj = getattr(current, "obj", None)
        if getattr(obj, "db_option", None):
            option = obj.db_option
            break
        current = current.parent
    try:
        path = resolve_db_path(option)
    except Exception:
        return None
    return path if path.is_file() else None


def complete_school(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """School codes starting with what is typed (name as help), then names starting with it, with or
    without "โรงเรียน" (code as help): ``บ้านคู`` offers ``บ้านคู่`` (โรงเรียนบ้านคู่)."""
    from nitet_cli import completion

    return completion.schools(db_path_for(ctx), incomplete, names=True)


def complete_school_code(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """School codes only (for options that take a code), with the name as help."""
    from nitet_cli import completion

    return completion.schools(db_path_for(ctx), incomplete, names=False)


def complete_school_group(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """School groups (กลุ่มโรงเรียน) containing what is typed, with how many schools each has."""
    from nitet_cli import completion

    return completion.school_groups(db_path_for(ctx), incomplete)


def complete_standard(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Standard ids (``7.3``) of the loaded manual starting with what is typed (Thai digits too)."""
    from nitet_cli import completion

    return completion.standards(db_path_for(ctx), incomplete)


def complete_template(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Built-in template names (manual, report) and .docx files matching what is typed."""
    from nitet_cli import completion

    return completion.templates(incomplete)


def complete_template_name(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Built-in template names only (``nitet template export NAME``), with what each one is."""
    from nitet_cli import completion

    return completion.template_names(incomplete)
