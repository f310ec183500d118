"""The documents nitet writes: context building for each template, then rendering."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nitet_cli.files import atomic_write, check_output
from nitet_cli.manual import get_manual, manual_as_dict
from nitet_cli.render import render_docx, template_path


def manual_context(conn: sqlite3.Connection) -> dict:
    data = manual_as_dict(get_manual(conn))
    return {"manual": {"title": data["title"]}, "profile": data["profile"], "duties": data["duties"]}


def export_manual(
    conn: sqlite3.Connection, db_path: Path, out: Path, *, template: str = "manual", pdf: Path | None = None
) -> Path:
    """The work manual as a Thai DOCX (atomically). ``pdf``: the PDF that will be made from it, checked now too."""
    _check_outputs(db_path, out, template, pdf)
    return render_docx(template, manual_context(conn), out, db=db_path)


def _check_outputs(db_path: Path, out: Path, template: str, pdf: Path | None) -> None:
    """Refuse before any work: an output that is the database, its store or the template being read."""
    source = [(template_path(template), "แม่แบบที่ใช้อยู่")]
    check_output(out, db=db_path, reading=source)
    if pdf is not None:
        check_output(pdf, db=db_path, reading=[*source, (Path(out), "เอกสาร DOCX ที่จะแปลงเป็น PDF")])


def export_manual_yaml(conn: sqlite3.Connection, db_path: Path, out: Path) -> Path:
    """The stored manual as the user's own YAML (``manual load`` reads it back unchanged), atomically."""
    from nitet_cli.manual import manual_yaml

    out = check_output(out, db=db_path)
    text = manual_yaml(conn, db_name=Path(db_path).name, file_name=out.name)
    return atomic_write(out, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"), db=db_path)


def export_report(
    conn: sqlite3.Connection,
    db_path: Path,
    term,
    today,
    out: Path,
    *,
    template: str = "report",
    on_progress=None,
    pdf: Path | None = None,
) -> dict:
    """The term's progress report as a Thai DOCX (atomically); returns what went in.

    ``on_progress(description, done, total)`` follows the photo thumbnails (slow on a cold cache);
    ``pdf``: the PDF that will be made from it, checked before any work too."""
    from nitet_cli.report import docx_context, report_data

    _check_outputs(db_path, out, template, pdf)  # a missing template or a forbidden output is reported before any work
    data = report_data(conn, term, today)
    context, embedded = docx_context(data, db_path, on_progress)
    path = render_docx(template, context, out, db=db_path)
    return {"output": str(path), "format": "docx", "activities": data["totals"]["activities"], **embedded}


def export_report_json(conn: sqlite3.Connection, db_path: Path, term, today, out: Path) -> dict:
    """The same figures and entries as the DOCX report, as a JSON file (atomically)."""
    import json

    from nitet_cli.report import report_data

    check_output(out, db=db_path)
    data = report_data(conn, term, today)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    atomic_write(out, lambda tmp: Path(tmp).write_text(text + "\n", encoding="utf-8"), db=db_path)
    photos = sum(f["media_type"].startswith("image/") for e in data["entries"] for f in e["files"])
    return {
        "output": str(out),
        "format": "json",
        "activities": data["totals"]["activities"],
        "photos_embedded": 0,
        "photos": photos,
        "files_listed": 0,
    }
