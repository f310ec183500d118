"""Shell completion from the database: school codes and names, standard ids, template names.

Each ``complete_*`` function is a Typer ``autocompletion=`` callback: it receives the
click context and the word being typed, and returns ``(value, help)`` pairs that the
shell shows (zsh and fish show the help beside the value; bash shows the values).

Completion runs on every Tab press, so these functions never raise and never write:
the database (``--db`` already on the command line, else ``NITET_DB``, else the
per-user default) is opened read-only, without a schema upgrade, and anything that
goes wrong (no database yet, a foreign file, a locked or corrupt one) completes
nothing.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

import typer

MAX_CANDIDATES = 50
SCHOOL_PREFIX = "โรงเรียน"
HELP_WIDTH = 60


def db_path_for(ctx: typer.Context | None) -> Path | None:
    """The database this command line would use (as cli.common.State resolves it)."""
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


def _read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
    conn.row_factory = sqlite3.Row
    return conn


def _query(ctx: typer.Context | None, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    path = db_path_for(ctx)
    if path is None:
        return []
    try:
        with closing(_read_only(path)) as conn:
            return conn.execute(sql, params).fetchall()
    except Exception:  # no table yet, not a nitet file, locked, corrupt: complete nothing
        return []


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= HELP_WIDTH else text[: HELP_WIDTH - 1] + "…"


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _schools(ctx: typer.Context | None, incomplete: str, *, names: bool) -> list[tuple[str, str]]:
    try:
        from nitet_cli.text import clean_text
        from nitet_cli.thai import to_arabic_digits

        typed = clean_text(incomplete or "", multiline=False) or ""
        by_code = _query(
            ctx,
            "SELECT code, name FROM schools WHERE code LIKE ? ESCAPE '\\' ORDER BY code LIMIT ?",
            (_like(to_arabic_digits(typed))[1:], MAX_CANDIDATES),
        )
        result = [(r["code"], r["name"]) for r in by_code]
        if names and typed and len(result) < MAX_CANDIDATES:
            by_name = _query(
                ctx,
                "SELECT code, name FROM schools WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
                (_like(typed), MAX_CANDIDATES - len(result)),
            )
            codes = {code for code, _ in result}
            for r in by_name:
                if r["code"] in codes:
                    continue
                # The shell keeps only candidates that start with what was typed; names start with
                # "โรงเรียน", so "บ้านคู" is offered "บ้านคู่", which resolve_school accepts as well.
                name, bare = r["name"], r["name"].removeprefix(SCHOOL_PREFIX).strip()
                if name.startswith(typed):
                    result.append((name, r["code"]))
                elif bare.startswith(typed):
                    result.append((bare, r["code"]))
        return result
    except Exception:
        return []


def complete_school(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """School codes starting with what is typed (name as help), then names starting with it, with or
    without "โรงเรียน" (code as help): ``บ้านคู`` offers ``บ้านคู่`` (โรงเรียนบ้านคู่)."""
    return _schools(ctx, incomplete, names=True)


def complete_school_code(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """School codes only (for options that take a code), with the name as help."""
    return _schools(ctx, incomplete, names=False)


def complete_school_group(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """School groups (กลุ่มโรงเรียน) containing what is typed, with how many schools each has."""
    try:
        typed = (incomplete or "").strip()
        rows = _query(
            ctx,
            "SELECT school_group, count(*) AS n FROM schools WHERE school_group != '' AND school_group LIKE ? ESCAPE '\\'"
            " GROUP BY school_group ORDER BY school_group LIMIT ?",
            (_like(typed), MAX_CANDIDATES),
        )
        return [(r["school_group"], f"{r['n']} โรงเรียน") for r in rows]
    except Exception:
        return []


def complete_standard(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Standard ids (``7.3``) of the loaded manual starting with what is typed (Thai digits too), retired ones left out."""
    try:
        from nitet_cli.thai import to_arabic_digits

        typed = to_arabic_digits((incomplete or "").strip())
        rows = _query(
            ctx,
            "SELECT id, activity FROM standards WHERE retired_at IS NULL AND id LIKE ? ESCAPE '\\'"
            " ORDER BY duty_number, step LIMIT ?",
            (_like(typed)[1:], MAX_CANDIDATES),
        )
        return [(r["id"], _short(r["activity"])) for r in rows]
    except Exception:
        return []


def complete_template(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Built-in template names (manual, report) and .docx files matching what is typed."""
    try:
        from nitet_cli.paths import templates_dir
        from nitet_cli.render import TEMPLATE_NAMES

        typed = incomplete or ""
        result = [
            (name, "แม่แบบในตัว")
            for name in TEMPLATE_NAMES
            if name.startswith(typed) and (templates_dir() / f"{name}.docx").is_file()
        ]
        folder, _, prefix = typed.rpartition("/")
        base = Path(folder or ".").expanduser()
        if base.is_dir():
            for entry in sorted(os.listdir(base)):
                if entry.startswith(prefix) and entry.lower().endswith(".docx") and not entry.startswith((".", "~$")):
                    result.append((f"{folder}/{entry}" if folder else entry, "แม่แบบ Word"))
                    if len(result) >= MAX_CANDIDATES:
                        break
        return result
    except Exception:
        return []


def complete_template_name(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Built-in template names only (``nitet template export NAME``), with what each one is."""
    try:
        from nitet_cli.render import TEMPLATE_DESCRIPTIONS, TEMPLATE_NAMES

        typed = incomplete or ""
        return [(name, TEMPLATE_DESCRIPTIONS.get(name, "")) for name in TEMPLATE_NAMES if name.startswith(typed)]
    except Exception:
        return []
