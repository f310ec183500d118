"""Export, import and the shared machinery of merge: moving records between nitet databases.

The exchange shape (JSON, ``{"format": "nitet-export", "version": 2, …}``)::

    {
      "format": "nitet-export", "version": 2,
      "exported_at": "2026-11-24T09:00:00+00:00", "generator": "nitet 0.1.0",
      "owner": the database owner's supervisor uuid, or null (a group database without one),
      "supervisors": [{"uuid", "name", "position", "academic_standing", "work_unit", "work_group",
                       "office", "agency", "ministry", "endorser_name", "endorser_position",
                       "updated_at"}],
      "schools":     [{"code", "name", "group", "district", "updated_at"}],
      "activities":  [{"uuid", "supervisor" (a supervisor's uuid or null), "date" (ISO, Gregorian),
                       "kind", "mode", "title", "findings", "suggestions", "participants",
                       "teachers" (int or null), "standards": ["7.3", …] (at least one),
                       "schools": ["57010001", …],
                       "evidence": [{"uuid", "kind": "file"|"link", "sha256", "original_name",
                                     "media_type", "size", "url", "caption", "created_at"}],
                       "created_at", "updated_at"}],
      "deletions":   [{"uuid", "kind": "activity"|"evidence", "deleted_at",
                       "deleted_by" (a supervisor's uuid or null),
                       "activity" (for evidence: its entry's uuid, else null)}],
      "follow_ups":  [{"uuid", "activity" (its visit's uuid, an entry of this file),
                       "school" (a code among that entry's schools), "text",
                       "given_on" (ISO), "check_by" (ISO or null: at the next visit),
                       "status": "open"|"done"|"partly"|"not_done", "result",
                       "closed_on" (ISO, null exactly when open), "created_at", "updated_at"}],
      "terms":       [{"year" (BE), "term" (1|2), "start", "end" (ISO dates)}]
    }

Version 2 added ``deletions`` (the record of migration m008): a reader of version 1 would
have ignored them and kept deleted work, so the version went up; it also carries
``follow_ups`` (migration m010, ข้อเสนอแนะที่ต้องติดตาม). Version-1 files (no deletions, no
follow-ups) still import. Fields added later within a version are optional and ignored by
older readers; a change that older readers would misread bumps the version. Added within
version 2: ``owner`` and the supervisors' ``endorser_*`` (for ``import --as-owner``: moving to
a new computer) and ``terms`` (the term dates announced with ``nitet term set``); a file
without them still imports.

Terms are matched by year and term: a term the target has not set is added, one it set with
other dates (or one that would overlap another of its terms) is kept as the target has it and
the disagreement reported (terms carry no edit time to say which is newer).

``apply_sources`` brings one or more sources (an export file, another database) into
a target database: supervisors by UUID, schools by code, activities and evidence by
UUID, so applying the same source twice adds nothing. When a source and the target
disagree about the same UUID (or school code) the disagreement is reported and the
entry with the later ``updated_at`` is kept. A deletion at least as new as a copy
removes it (and is recorded in the target, so that it travels on); a copy edited after
the deletion is kept and the disagreement reported. A source's time stamp more than a day
ahead of this computer's clock (a wrong clock) never wins: the target's copy or deletion is
kept and that reported; what the target lacks is added with the stamp replaced by the time
of the import (``apply._Applier``). Nor does the target's own copy so stamped (from before that
rule, or this computer's clock) count as edited after a source's deletion: the deletion
applies, reported. Never: the database owner's own
profile changed (``is_self``; the one exception is ``import --as-owner`` into a fresh
database, ``take_owner``), two people under one supervisor UUID, a piece of evidence
moved to another entry — those are refused (``check_conflicts``). Everything is checked
first (shape, standards, schools, identities, evidence files and their SHA-256), files are
copied into the store, then the database is written in one transaction (``write_sources``).

The package, by concern:

- ``shape``: ``check_export``, the exchange shape checked field by field;
- ``collect``: a database read into the exchange shape (``export``, and ``merge``'s sources);
- ``files``: export files written (JSON, CSV, .xlsx, .zip) and read back (``read_export``);
- ``apply``: sources brought into a target (``write_sources``, the ``_Applier``), shared with merge;
- ``owner``: ``import --as-owner``, moving to a new computer;
- here: the commands' entry points, ``export``, ``export_period`` and ``import_export``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path

from nitet_cli.errors import InputError
from nitet_cli.exchange.apply import ApplyResult, damaged_database_says_so, remove_unused_files, write_sources
from nitet_cli.exchange.collect import collect
from nitet_cli.exchange.files import Progress, Scratch, export_bytes, read_export, write_archive, write_export
from nitet_cli.exchange.owner import check_fresh, export_owner, not_fresh, take_owner
from nitet_cli.exchange.shape import FORMAT, VERSION, check_export

__all__ = ["FORMAT", "VERSION", "check_export", "export", "export_period", "import_export"]


def import_export(
    conn: sqlite3.Connection,
    db_path: Path,
    file: Path,
    on_progress: Progress | None = None,
    *,
    as_owner: bool = False,
    ask_owner: Callable[[str], bool] | None = None,
) -> ApplyResult:
    """``nitet import FILE``: an export (.json or .zip) into the database; all or nothing.

    ``as_owner`` (``--as-owner``): the export's owner becomes this database's owner, profile
    included — only into a fresh database (``check_fresh``). Without it, ``ask_owner(name)``
    (a question in a terminal) is asked when the database is fresh and the file names its owner."""
    with Scratch(db_path) as work:
        source = read_export(file, work)
        owner = None
        with damaged_database_says_so(db_path):
            if as_owner:
                owner = export_owner(source)
                check_fresh(conn, owner["name"])
            elif ask_owner is not None:
                try:
                    candidate = export_owner(source)
                except InputError:
                    candidate = None
                if (
                    candidate is not None
                    and not_fresh(conn, candidate["name"]) is None
                    and ask_owner(candidate["name"])
                ):
                    owner = candidate

        def owner_first(result: ApplyResult) -> None:
            if owner is not None:
                check_fresh(conn, owner["name"])  # again, under the write lock
                take_owner(conn, owner)
                result.owner_taken = owner["name"]

        result = write_sources(conn, db_path, [source], first=owner_first, on_progress=on_progress)
    remove_unused_files(conn, db_path, result)
    return result


def export_period(
    conn: sqlite3.Connection,
    today: date,
    *,
    year: str | int | None = None,
    term: int | None = None,
    since: str | None = None,
    until: str | None = None,
) -> tuple[date | None, date | None, str | None]:
    """The dates ``export`` keeps (either may be None: no bound) and how to name them (None: everything).

    As ``nitet list``: ``--year`` alone is the whole academic year, ``--term`` alone a term of the
    current one, both that term (announced dates, else the defaults); ``--from``/``--to`` narrow
    them further or stand alone. ``--from`` after ``--to`` is refused."""
    from nitet_cli.dates import parse_date
    from nitet_cli.terms import check_year_term, current_term, get_term
    from nitet_cli.thai import to_arabic_digits

    start = parse_date(since, today) if since is not None else None
    end = parse_date(until, today) if until is not None else None
    if start and end and start > end:
        raise InputError(
            f"วันที่ --from ({start.isoformat()}) อยู่หลัง --to ({end.isoformat()})"
            " — ระบุวันเริ่มก่อนหรือวันเดียวกับวันสุดท้าย เช่น --from 1/11/2569 --to 30/11/2569"
        )
    names = []
    if year is not None or term is not None:
        if year is not None:
            digits = to_arabic_digits(str(year).strip())
            if not digits.isdigit():
                raise InputError(f"--year ต้องเป็นปีการศึกษา พ.ศ. เช่น 2569 ไม่ใช่ '{year}'")
            number = int(digits)
        else:
            number = current_term(conn, today).year
        check_year_term(number, term or 1)
        if term is not None:
            chosen = get_term(conn, number, term)
            first, last = chosen.start, chosen.end
            names.append(f"ภาคเรียนที่ {term}/{number}")
        else:
            first, last = get_term(conn, number, 1).start, get_term(conn, number, 2).end
            names.append(f"ปีการศึกษา {number}")
        start = max(start, first) if start else first
        end = min(end, last) if end else last
    if since is not None or until is not None:
        names.append(f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}")
    return start, end, ", ".join(names) or None


def export(
    conn: sqlite3.Connection,
    db_path: Path,
    out: Path | None,
    fmt: str,
    *,
    what: str = "activities",
    with_evidence: bool = False,
    school: str | None = None,
    standard: str | None = None,
    since: date | None = None,
    until: date | None = None,
    on_progress: Progress | None = None,
) -> dict:
    """``nitet export``: returns what was written (path, counts); with ``out=None`` the bytes are returned under 'data'.

    ``since``/``until`` (see :func:`export_period`) keep the entries dated between them, both included."""
    if what not in ("activities", "schools"):
        raise InputError(f"--what '{what}' ไม่มี — เลือก activities หรือ schools")
    if school and conn.execute("SELECT 1 FROM schools WHERE code = ?", (school,)).fetchone() is None:
        from nitet_cli.schools import resolve_school

        school = resolve_school(conn, school).code
    if standard and conn.execute("SELECT 1 FROM standards WHERE id = ?", (standard,)).fetchone() is None:
        from nitet_cli.activities import check_standards

        check_standards(conn, [standard])
    if out is not None:
        from nitet_cli.files import check_output

        check_output(out, db=db_path)  # before any work: never over the database or its store
    data = collect(conn, school=school, standard=standard, since=since, until=until)
    summary = {
        "format": "zip" if with_evidence else fmt,
        "activities": len(data["activities"]),
        "schools": len(data["schools"]),
        "supervisors": len(data["supervisors"]),
    }
    if with_evidence:
        if fmt != "json":
            raise InputError("--with-evidence ใช้กับ --format json เท่านั้น (ไฟล์ .zip ที่มี export.json และไฟล์หลักฐาน)")
        if out is None:
            raise InputError("--with-evidence ต้องระบุไฟล์ผลลัพธ์ด้วย -o เช่น -o ส่งออก.zip")
        path, files = write_archive(data, db_path, out, on_progress)
        return {**summary, "output": str(path), "evidence_files": files}
    payload = export_bytes(data, fmt, what, conn)
    if out is None:
        return {**summary, "output": None, "data": payload}
    return {**summary, "output": str(write_export(payload, db_path, out))}
