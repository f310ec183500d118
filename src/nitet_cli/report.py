"""The term report's content: figures, coverage, entries per duty/standard, photos.

A report covers a term, or any other days (:class:`nitet_cli.terms.Period`: a calendar month
or dates from/to), counted the same way: every figure is over the days of the report.

:func:`report_data` gathers plain data (JSON-ready: ``nitet report --format json``
writes it as it is); :func:`docx_context` turns it into the context of the Word
template, with the photos as :class:`nitet_cli.render.ImageRef` placeholders that the
renderer embeds. Figures come from :mod:`nitet_cli.progress` (counted in SQL); the
entries are read with one query per table for the whole term, not one per entry.

An activity linked to two standards is listed under both, but its photos appear once
in the appendix: the appendix is built from the term's evidence rows, not from the
per-standard lists.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from nitet_cli.activities import KINDS, MODES
from nitet_cli.group_progress import GroupProgress, term_and_group_progress
from nitet_cli.manual import report_profile
from nitet_cli.progress import TermProgress, coverage_mark, term_snapshot
from nitet_cli.targets import EVERY_VISIT, LINKED_VISITS, counts_every_visit
from nitet_cli.terms import Period, Term
from nitet_cli.thai import BE_OFFSET, MONTHS_FULL, thai_date, thai_digits

PHOTO_BOX_CM = (7.5, 6.5)  # width, height of a photo in the appendix (two to a row on A4)
THUMBNAILS_PROGRESS = "ย่อภาพกิจกรรม"
#: Under a target that counts every visit (``counts: every_visit``), in the coverage section.
COUNTS_EVERY_VISIT_NOTE = "นับทุกครั้งที่นิเทศสถานศึกษา ไม่ว่าบันทึกในมาตรฐานใด"


def _term_params(term: Term | Period) -> dict:
    return {"start": term.start.isoformat(), "end": term.end.isoformat()}


def _entries(conn: sqlite3.Connection, term: Term | Period) -> dict[int, dict]:
    """The term's (or period's) activities in date order, each with its standards, schools and evidence."""
    params = _term_params(term)
    entries: dict[int, dict] = {}
    for r in conn.execute(
        "SELECT a.id, a.uuid, a.date, a.kind, a.mode, a.title, a.findings, a.suggestions, a.participants, a.teachers,"
        " s.name AS supervisor FROM activities a LEFT JOIN supervisors s ON s.id = a.supervisor_id"
        " WHERE a.date BETWEEN :start AND :end ORDER BY a.date, a.id",
        params,
    ):
        entries[r["id"]] = {
            "id": r["id"],
            "uuid": r["uuid"],
            "date": r["date"],
            "kind": r["kind"],
            "kind_label": KINDS.get(r["kind"], r["kind"]),
            "mode": r["mode"],
            "mode_label": MODES.get(r["mode"], r["mode"]),
            "title": r["title"],
            "findings": r["findings"],
            "suggestions": r["suggestions"],
            "participants": r["participants"],
            "teachers": r["teachers"],
            "supervisor": r["supervisor"] or "",
            "standards": [],
            "schools": [],
            "links": [],
            "files": [],
        }
    if not entries:
        return entries
    for r in conn.execute(
        "SELECT x.activity_id, x.standard_id FROM activities a JOIN activity_standards x ON x.activity_id = a.id"
        " WHERE a.date BETWEEN :start AND :end ORDER BY x.activity_id, x.standard_id",
        params,
    ):
        entries[r[0]]["standards"].append(r[1])
    for r in conn.execute(
        "SELECT y.activity_id, s.code, s.name, s.school_group FROM activities a"
        " JOIN activity_schools y ON y.activity_id = a.id JOIN schools s ON s.code = y.school_code"
        " WHERE a.date BETWEEN :start AND :end ORDER BY y.activity_id, s.name",
        params,
    ):
        entries[r[0]]["schools"].append({"code": r[1], "name": r[2], "group": r[3]})
    for r in conn.execute(
        "SELECT e.id, e.activity_id, e.kind, e.sha256, e.original_name, e.media_type, e.size, e.url, e.caption"
        " FROM activities a JOIN evidence e ON e.activity_id = a.id"
        " WHERE a.date BETWEEN :start AND :end ORDER BY e.id",
        params,
    ):
        entry = entries[r["activity_id"]]
        if r["kind"] == "link":
            entry["links"].append({"id": r["id"], "url": r["url"], "caption": r["caption"]})
        else:
            entry["files"].append(
                {
                    "id": r["id"],
                    "sha256": r["sha256"],
                    "name": r["original_name"] or r["sha256"],
                    "media_type": r["media_type"] or "",
                    "size": r["size"],
                    "caption": r["caption"],
                }
            )
    for entry in entries.values():
        entry["school_names"] = ", ".join(s["name"] for s in entry["schools"])
    return entries


def _coverage(progress: TermProgress) -> list[dict]:
    """Per target standard, per school group: every school with its visits against the target
    (the rows of ``status --json``, with the mark the document prints)."""
    rows_by_standard: dict[str, list] = {}
    for row in progress.schools:
        rows_by_standard.setdefault(row.standard, []).append(row)
    result = []
    for s in progress.standards:
        if s.target is None:
            continue
        groups: dict[str, list] = {}
        for row in rows_by_standard.get(s.id, []):
            groups.setdefault(row.group, []).append(row)
        named = s.target.get("school_groups") or []
        result.append(
            {
                "standard": s.id,
                "activity": s.activity,
                "text": s.standard,
                "min_per_term": s.target["min_per_term"],
                "school_groups": named,
                "scope": ", ".join(f"กลุ่มโรงเรียน{g}" for g in named) if named else "ทุกโรงเรียน",
                "counts": EVERY_VISIT if counts_every_visit(s.target) else LINKED_VISITS,
                "counts_note": COUNTS_EVERY_VISIT_NOTE if counts_every_visit(s.target) else "",
                "schools": s.target_schools,
                "schools_met": s.schools_met,
                "groups": [
                    {
                        "name": name or "ไม่ระบุกลุ่ม",
                        "schools": len(rows),
                        "schools_met": sum(r.met for r in rows),
                        "rows": [
                            {
                                "no": i,
                                "code": r.code,
                                "name": r.name,
                                "visits": r.visits,
                                "target": r.target,
                                "met": r.met,
                                "all_visits": r.all_visits,
                                "mark": coverage_mark(r, document=True),
                            }
                            for i, r in enumerate(rows, 1)
                        ],
                    }
                    for name, rows in groups.items()
                ],
            }
        )
    return result


def _follow_ups(conn: sqlite3.Connection, term: Term, today: date) -> dict:
    """การติดตามผลการนิเทศ: the follow-ups given from the report's first day to its last,
    grouped by school (school group, name, code), each in the order given with its given-on
    and check-by dates, status and result (Thai words; the check-by and status also as the
    document says them, Thai digits), and how many are done, partly done, not done and open
    (from follow_ups.status_counts, so the figures and the list are counted alike)."""
    from nitet_cli.follow_ups import NEXT_VISIT_LABEL, OVERDUE_LABEL, list_follow_ups, status_counts
    from nitet_cli.thai import thai_date_short

    items = list_follow_ups(conn, which="all", start=term.start, end=term.end, today=today)
    schools: dict[str, dict] = {}
    for item in items:
        school = schools.get(item["school_code"])
        if school is None:
            school = schools[item["school_code"]] = {
                "code": item["school_code"],
                "name": item["school_name"],
                "group": item["school_group"],
                "rows": [],
            }
        if item["check_by"]:
            check_by_text = thai_date_short(item["check_by"])
        else:
            check_by_text = NEXT_VISIT_LABEL + (f" ({thai_date_short(item['due_on'])})" if item["due_on"] else "")
        school["rows"].append(
            {
                "no": len(school["rows"]) + 1,
                **{
                    k: item[k]
                    for k in (
                        "id",
                        "uuid",
                        "activity_id",
                        "text",
                        "given_on",
                        "check_by",
                        "due_on",
                        "status",
                        "status_label",
                        "result",
                        "closed_on",
                        "overdue",
                        "supervisor",
                    )
                },
                "check_by_text": check_by_text,
                "status_text": item["status_label"] + (f" ({OVERDUE_LABEL})" if item["overdue"] else ""),
            }
        )
    counts = status_counts(conn, start=term.start, end=term.end)
    return {
        "counts": {**counts, "overdue": sum(item["overdue"] for item in items)},
        "schools": sorted(schools.values(), key=lambda s: (s["group"], s["name"], s["code"])),
    }


def _group(group: GroupProgress) -> tuple[dict, list[dict], list[dict]]:
    """The group's figures, a row per supervisor, and per target standard a row per supervisor."""
    data = group.as_dict()
    summary = {
        **data["group"],
        # A database holding several supervisors (made by ``nitet merge``): its coverage counts them all.
        "is_group_database": len(group.supervisors) > 1,
        "names": ", ".join(s.name for s in group.active),
    }
    targets = []
    for index, target in enumerate(group.targets):
        together = group.group.targets[index]
        targets.append(
            {
                **target.as_dict(),
                "counts_note": COUNTS_EVERY_VISIT_NOTE if target.every_visit else "",
                "together": together.as_dict(),
                "rows": [
                    {"name": s.name, "is_self": s.is_self, **s.targets[index].as_dict()} for s in group.supervisors
                ],
            }
        )
    return summary, data["supervisors"], targets


def _teachers(entries: list[dict]) -> int:
    """Teachers of ``entries`` (each entry once; an entry without the number counts 0)."""
    return sum(e["teachers"] or 0 for e in entries)


def period_fields(term: Term | Period) -> dict:
    """What the report says about its days: a term (``ภาคเรียนที่ ๒ ปีการศึกษา ๒๕๖๙``), a
    calendar month (``ประจำเดือนพฤศจิกายน พ.ศ. ๒๕๖๙``) or any dates; Buddhist Era, Thai digits."""
    if isinstance(term, Term):
        return {
            "period": "term",
            "heading": f"ภาคเรียนที่ {thai_digits(term.term)} ปีการศึกษา {thai_digits(term.year)}",
            "span": "ภาคเรียนนี้",
        }
    if term.kind == "month":
        return {
            "period": "month",
            "heading": f"ประจำเดือน{MONTHS_FULL[term.start.month - 1]} พ.ศ. {thai_digits(term.start.year + BE_OFFSET)}",
            "span": "เดือนนี้",
            "month": term.start.month,
            "month_name": MONTHS_FULL[term.start.month - 1],
            "month_year": term.start.year + BE_OFFSET,
        }
    return {"period": "range", "heading": f"ระหว่างวันที่ {_span_of_days(term.start, term.end)}", "span": "ช่วงเวลานี้"}


def _span_of_days(start: date, end: date) -> str:
    """``๓–๑๐ พฤศจิกายน ๒๕๖๙``, ``๓ พฤศจิกายน – ๑๐ ธันวาคม ๒๕๖๙``, ``๓ ธันวาคม ๒๕๖๙ – ๑๐ มกราคม ๒๕๗๐``:
    what the two dates share is said once, as a title writes them."""
    if start == end:
        return thai_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{thai_digits(start.day)}–{thai_date(end)}"
    if start.year == end.year:
        return f"{thai_digits(start.day)} {MONTHS_FULL[start.month - 1]} – {thai_date(end)}"
    return f"{thai_date(start)} – {thai_date(end)}"


def report_data(conn: sqlite3.Connection, term: Term | Period, today: date) -> dict:
    """Everything the report shows, as plain JSON-ready data, for a term or any other days, read
    from one snapshot of the database (a writer committing meanwhile is either wholly in the
    report or wholly not)."""
    with term_snapshot(conn, term, supervisors=True):
        progress, group_figures = term_and_group_progress(conn, term, today)  # shares what both count
        entries = _entries(conn, term)
        # The endorser (ผู้บังคับบัญชา) of the endorsement block: empty keys give dotted lines.
        profile = {"endorser_name": "", "endorser_position": "", **report_profile(conn)}
        follow_ups = _follow_ups(conn, term, today)
    group, supervisors, group_targets = _group(group_figures)
    by_standard: dict[str, list[dict]] = {}
    for entry in entries.values():
        for sid in entry["standards"]:
            by_standard.setdefault(sid, []).append(entry)
    duties = []
    for duty in progress.duties:
        standards = []
        in_duty: dict[int, dict] = {}
        for s in duty.standards:
            listed = by_standard.get(s.id, [])
            in_duty.update((e["id"], e) for e in listed)
            standards.append({**s.as_dict(), "teachers": _teachers(listed), "entries": [e["id"] for e in listed]})
        duties.append({**duty.as_dict(), "teachers": _teachers(list(in_duty.values())), "standards": standards})
    figures = progress.as_dict()
    return {
        "report": {
            "title": "รายงานผลการปฏิบัติงาน",
            **period_fields(term),
            "year": term.year,
            "term": term.term,
            "start": term.start.isoformat(),
            "end": term.end.isoformat(),
            "announced": term.announced,
            "date": today.isoformat(),
            "days_left": progress.days_left,
            "empty": not entries,
        },
        "profile": profile,
        "totals": {**figures["totals"], "teachers": _teachers(list(entries.values()))},
        "group": group,
        "supervisors": supervisors,
        "group_targets": group_targets,
        "duties": duties,
        "coverage": _coverage(progress),
        "follow_ups": follow_ups,
        "schools": figures["schools"],
        "entries": list(entries.values()),
    }


def _photo_caption(entry: dict, item: dict) -> dict:
    return {"date": entry["date"], "school": entry["school_names"], "caption": item["caption"] or entry["title"]}


def _thumbnails(db_path: Path, hashes: list[str], on_progress=None) -> dict:
    """Thumbnails of ``hashes`` (None for undecodable ones); a cold cache is filled on every core.

    Pillow releases the GIL while it decodes and resizes, so threads use the cores.
    ``on_progress(description, done, total)`` is told after each photo (a bar for a cold cache).
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    from nitet_cli.photos import thumbnail

    total = len(hashes)
    result: dict = {}

    def made(sha256: str, thumb) -> None:
        result[sha256] = thumb
        if on_progress is not None:
            on_progress(THUMBNAILS_PROGRESS, len(result), total)

    if total < 4:
        for h in hashes:
            made(h, thumbnail(db_path, h))
        return result
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        for h, thumb in zip(hashes, pool.map(lambda h: thumbnail(db_path, h), hashes)):
            made(h, thumb)
    return result


def docx_context(data: dict, db_path: Path, on_progress=None) -> tuple[dict, dict]:
    """The Word template's context for ``data`` and a summary of what was embedded.

    Photos become thumbnails (cached by content hash); a file that is not an image,
    or an image that cannot be decoded, goes to the list of other files instead.
    """
    from nitet_cli.render import ImageRef

    entries = {e["id"]: e for e in data["entries"]}
    wanted = sorted({f["sha256"] for e in data["entries"] for f in e["files"] if f["media_type"].startswith("image/")})
    thumbs = _thumbnails(db_path, wanted, on_progress)
    photos: list[dict] = []
    files: list[dict] = []
    for entry in data["entries"]:
        for item in entry["files"]:
            info = _photo_caption(entry, item)
            thumb = thumbs.get(item["sha256"])
            if thumb is None:
                files.append({**info, "name": item["name"], "media_type": item["media_type"], "size": item["size"]})
                continue
            width, height = thumb.fit(*PHOTO_BOX_CM)
            photos.append({**info, "image": ImageRef(thumb.path, width, height)})
    blank = {"image": "", "date": "", "school": "", "caption": ""}
    photo_rows = [
        {"left": photos[i], "right": photos[i + 1] if i + 1 < len(photos) else blank} for i in range(0, len(photos), 2)
    ]

    duties = []
    for duty in data["duties"]:
        standards = []
        for s in duty["standards"]:
            listed = []
            for no, entry_id in enumerate(s["entries"], 1):
                entry = entries[entry_id]
                listed.append({**entry, "no": no})
            standards.append({**s, "entries": listed})
        duties.append({**duty, "standards": standards})
    context = {
        **data,
        "duties": duties,
        "photo_rows": photo_rows,
        "photos": len(photos),
        "files": files,
    }
    return context, {"photos_embedded": len(photos), "files_listed": len(files)}
