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


def export_report(
    conn: sqlite3.Connection, db_path: Path, term, today, out: Path, *, template: str = "report", on_progress=None
) -> dict:
    """The term's progress report as a Thai DOCX (atomically); returns what went in.

    ``on_progress(description, done, total)`` follows the photo thumbnails (slow on a cold cache)."""
    from nitet_cli.render import template_path
    from nitet_cli.report import docx_context, report_data

    check_output_path(out)
    template_path(template)  # a missing template is reported before any work
    data = report_data(conn, term, today)
    context, embedded = docx_context(data, db_path, on_progress)
    path = render_docx(template, context, out)
    return {"output": str(path), "format": "docx", "activities": data["totals"]["activities"], **embedded}


def export_report_json(conn: sqlite3.Connection, db_path: Path, term, today, out: Path) -> dict:
    """The same figures and entries as the DOCX report, as a JSON file (atomically)."""
    import json

    from nitet_cli.render import write_atomically
    from nitet_cli.report import report_data

    check_output_path(out)
    data = report_data(conn, term, today)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    write_atomically(out, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"))
    photos = sum(f["media_type"].startswith("image/") for e in data["entries"] for f in e["files"])
    return {"output": str(out), "format": "json", "activities": data["totals"]["activities"], "photos_embedded": 0, "photos": photos, "files_listed": 0}
