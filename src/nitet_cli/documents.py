"""The documents nitet writes: context building for each template, then rendering."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nitet_cli.manual import get_manual, manual_as_dict
from nitet_cli.render import check_output_path, render_docx


def manual_context(conn: sqlite3.Connection) -> dict:
    data = manual_as_dict(get_manual(conn))
    return {"manual": {"title": data["title"]}, "profile": data["profile"], "duties": data["duties"]}


def export_manual(conn: sqlite3.Connection, out: Path, *, template: str = "manual") -> Path:
    check_output_path(out)
    return render_docx(template, manual_context(conn), out)
