"""Completion candidates from the database: school codes and names, school groups, standard ids,
and template names (the command line's Tab, through ``cli/completion.py``).

Completion runs on every Tab press, so these functions never raise, never write and never
wait: the database is opened read-only, without a schema upgrade and without waiting for a
lock (``_glance``), and anything that goes wrong (no database yet, a foreign file, a locked or
corrupt one) gives no candidates. Each candidate is a ``(value, help)`` pair: the shells keep
the values that start with what was typed, and zsh and fish show the help beside each.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from nitet_cli.db import like_pattern, open_read_only

MAX_CANDIDATES = 50
SCHOOL_PREFIX = "โรงเรียน"
HELP_WIDTH = 60


#: SQLite's header: bytes 18 and 19 (the read and write versions) are 2 in a database in WAL mode.
_WAL_VERSIONS = b"\x02\x02"


def _glance(path: Path) -> sqlite3.Connection:
    """``path`` opened for a look that never waits and never leaves a file beside the database.

    A database in WAL mode without both its ``-wal`` and ``-shm`` beside it is opened
    ``immutable``: ``mode=ro`` alone would create the two (empty, left behind, since a read-only
    connection cannot remove them) and wait for a writer that holds the database in exclusive
    locking mode; immutable reads the database file as it is, which holds every committed write
    when there is no ``-wal`` (a ``-wal`` without its ``-shm`` is a writer's in exclusive mode,
    or a crash's, and read later by nitet itself). Otherwise ``mode=ro`` with no busy timeout:
    a lock held by a writer (in a rollback-journal database) is not waited for, and nothing is
    offered."""
    with open(path, "rb") as handle:
        wal_mode = handle.read(20)[18:20] == _WAL_VERSIONS
    side_files = all(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-shm"))
    return open_read_only(path, immutable=wal_mode and not side_files, timeout=0)


def _query(path: Path | None, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    if path is None:
        return []
    try:
        with closing(_glance(path)) as conn:
            return conn.execute(sql, params).fetchall()
    except Exception:  # no table yet, not a nitet file, locked, corrupt: complete nothing
        return []


def _as_typed(typed: str, value: str) -> str:
    """``value`` (which starts with ``typed`` read in Arabic digits) as the shell must see it: starting
    with what was typed. Typer and the shells keep only candidates that start with the word typed, so
    ``๗.`` is offered ``๗.๑`` rather than ``7.1`` (nitet reads Thai digits in codes and standards)."""
    from nitet_cli.thai import thai_digits, to_arabic_digits

    if not typed or to_arabic_digits(typed) == typed or len(value) < len(typed):
        return value
    return typed + thai_digits(value[len(typed) :])


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= HELP_WIDTH else text[: HELP_WIDTH - 1] + "…"


def schools(path: Path | None, typed: str, *, names: bool) -> list[tuple[str, str]]:
    """School codes starting with ``typed`` (name as help); with ``names``, then names starting with
    it, with or without "โรงเรียน" (code as help): ``บ้านคู`` offers ``บ้านคู่`` (โรงเรียนบ้านคู่)."""
    try:
        from nitet_cli.text import clean_text
        from nitet_cli.thai import to_arabic_digits

        typed = clean_text(typed or "", multiline=False) or ""
        by_code = _query(
            path,
            "SELECT code, name FROM schools WHERE code LIKE ? ESCAPE '\\' ORDER BY code LIMIT ?",
            (like_pattern(to_arabic_digits(typed), prefix=True), MAX_CANDIDATES),
        )
        result = [(_as_typed(typed, r["code"]), r["name"]) for r in by_code]
        if names and typed and len(result) < MAX_CANDIDATES:
            by_name = _query(
                path,
                "SELECT code, name FROM schools WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
                (like_pattern(typed), MAX_CANDIDATES - len(result)),
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


def school_groups(path: Path | None, typed: str) -> list[tuple[str, str]]:
    """School groups (กลุ่มโรงเรียน) containing ``typed``, with how many schools each has."""
    try:
        rows = _query(
            path,
            "SELECT school_group, count(*) AS n FROM schools WHERE school_group != '' AND school_group LIKE ? ESCAPE '\\'"
            " GROUP BY school_group ORDER BY school_group LIMIT ?",
            (like_pattern((typed or "").strip()), MAX_CANDIDATES),
        )
        return [(r["school_group"], f"{r['n']} โรงเรียน") for r in rows]
    except Exception:
        return []


def standards(path: Path | None, typed: str) -> list[tuple[str, str]]:
    """Standard ids (``7.3``) of the loaded manual starting with ``typed`` (Thai digits too), retired ones left out."""
    try:
        from nitet_cli.thai import to_arabic_digits

        typed = (typed or "").strip()
        rows = _query(
            path,
            "SELECT id, activity FROM standards WHERE retired_at IS NULL AND id LIKE ? ESCAPE '\\'"
            " ORDER BY duty_number, step LIMIT ?",
            (like_pattern(to_arabic_digits(typed), prefix=True), MAX_CANDIDATES),
        )
        return [(_as_typed(typed, r["id"]), _short(r["activity"])) for r in rows]
    except Exception:
        return []


def templates(typed: str) -> list[tuple[str, str]]:
    """Built-in template names (manual, report) and .docx files matching ``typed``."""
    try:
        from nitet_cli.paths import templates_dir
        from nitet_cli.render import TEMPLATE_NAMES

        typed = typed or ""
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


def template_names(typed: str) -> list[tuple[str, str]]:
    """Built-in template names only, with what each one is."""
    try:
        from nitet_cli.render import TEMPLATE_DESCRIPTIONS, TEMPLATE_NAMES

        typed = typed or ""
        return [(name, TEMPLATE_DESCRIPTIONS.get(name, "")) for name in TEMPLATE_NAMES if name.startswith(typed)]
    except Exception:
        return []
