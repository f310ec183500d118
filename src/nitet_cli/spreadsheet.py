"""The export for people: one row per entry, as CSV (for scripts) and as an Excel workbook.

Both have the same columns (:data:`ACTIVITY_COLUMNS`): the entry's ID (the number
``show`` and ``edit`` take), its term (``2/2569``), the date in ISO and in Buddhist Era,
…, the last change in Thai time (``+07:00``) and the UUID last. The workbook
(:func:`workbook_bytes`, XlsxWriter) has two sheets, กิจกรรม and โรงเรียน: codes,
standards and IDs are text cells (leading zeros and ``7.2`` survive Excel), the ISO date
is a real date cell, the last change a real date-time; every user text is written with
``write_string``, so a title starting with ``=`` is text, never a formula (and shown as typed,
without the ``'`` the CSV puts before it). Thai font
(TH SarabunPSK 16), a frozen header row, an auto-filter and column widths from the content.

XlsxWriter is imported only here, when a workbook is written.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from nitet_cli.thai import be_date_short

THAI_TIME = timezone(timedelta(hours=7), "ICT")
LIST_SEPARATOR = "; "
FONT = "TH SarabunPSK"
FONT_SIZE = 16
#: Points per line of TH SarabunPSK 16 (its marks above and below need more than Calibri's 15).
LINE_HEIGHT = 24
#: The most characters Excel keeps in one cell, and the tallest row it allows (points).
MAX_CELL = 32767
MAX_ROW_HEIGHT = 409

TEXT, INTEGER, DATE, DATETIME = "text", "integer", "date", "datetime"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT
    max_width: int = 30  # characters; longer text wraps inside the cell


ACTIVITY_COLUMNS = (
    Column("id", "ID", max_width=8),
    Column("term", "ภาคเรียน", max_width=10),
    Column("date", "วันที่", DATE, max_width=12),
    Column("date_be", "วันที่ (พ.ศ.)", max_width=14),
    Column("supervisor", "ศึกษานิเทศก์", max_width=24),
    Column("kind", "ประเภท", max_width=18),
    Column("mode", "รูปแบบ", max_width=10),
    Column("title", "ชื่อกิจกรรม", max_width=45),
    Column("standards", "มาตรฐาน", max_width=14),
    Column("school_codes", "รหัสโรงเรียน", max_width=24),
    Column("schools", "โรงเรียน", max_width=40),
    Column("findings", "ผลการนิเทศ", max_width=50),
    Column("suggestions", "ข้อเสนอแนะ", max_width=50),
    Column("participants", "ผู้เข้าร่วม", max_width=30),
    Column("teachers", "จำนวนครู", INTEGER, max_width=10),
    Column("evidence", "หลักฐาน", max_width=40),
    Column("updated_at", "แก้ไขล่าสุด", DATETIME, max_width=26),
    Column("uuid", "รหัสอ้างอิง (UUID)", max_width=38),
)
#: The same headers `nitet school import` reads.
SCHOOL_COLUMNS = (
    Column("code", "รหัสโรงเรียน", max_width=14),
    Column("name", "ชื่อโรงเรียน", max_width=45),
    Column("group", "กลุ่มโรงเรียน", max_width=24),
    Column("district", "อำเภอ", max_width=24),
)


def thai_time(stamp: str | None) -> datetime | None:
    """A stored timestamp (UTC, ISO) in Thai time; one without an offset is taken as UTC. One that
    cannot be read (hand-edited), or that has no Thai time (``0001-01-01T00:00:00+07:00``, which an
    import accepts, is before the first day a datetime holds in UTC), gives an empty cell: the JSON
    export keeps it as written."""
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(THAI_TIME)
    except (TypeError, ValueError, OverflowError):
        return None


def local_columns(conn: sqlite3.Connection, uuids: set[str]) -> dict[str, tuple[int, str]]:
    """For each entry of ``uuids``: its ID in this database and its term (``2/2569``; "" in a break),
    from the activity_terms view (announced term dates win over the defaults)."""
    found = {}
    for uuid, activity_id, year, term in conn.execute(
        "SELECT a.uuid, a.id, t.academic_year, t.term FROM activities a"
        " LEFT JOIN activity_terms t ON t.activity_id = a.id"
    ):
        if uuid in uuids:
            found[uuid] = (activity_id, f"{term}/{year}" if year is not None and term is not None else "")
    return found


def activity_rows(conn: sqlite3.Connection, data: dict) -> list[dict]:
    """The rows of the กิจกรรม table for the entries of ``data`` (the exchange shape), with typed values:
    ``date`` a date, ``updated_at`` a Thai-time datetime, ``teachers`` an int or None, the rest text."""
    from nitet_cli.activities import KINDS, MODES

    local = local_columns(conn, {a["uuid"] for a in data["activities"]})
    supervisors = {s["uuid"]: s["name"] for s in data["supervisors"]}
    schools = {s["code"]: s["name"] for s in data["schools"]}
    rows = []
    for a in data["activities"]:
        activity_id, term = local.get(a["uuid"], (None, ""))
        evidence = [e["url"] if e["kind"] == "link" else (e["original_name"] or e["sha256"]) for e in a["evidence"]]
        rows.append(
            {
                "id": "" if activity_id is None else str(activity_id),
                "term": term,
                "date": date.fromisoformat(a["date"]),
                "date_be": be_date_short(a["date"]),
                "supervisor": supervisors.get(a["supervisor"], ""),
                "kind": KINDS.get(a["kind"], a["kind"]),
                "mode": MODES.get(a["mode"], a["mode"]),
                "title": a["title"] or "",
                "standards": LIST_SEPARATOR.join(a["standards"]),
                "school_codes": LIST_SEPARATOR.join(a["schools"]),
                "schools": LIST_SEPARATOR.join(schools.get(c, c) for c in a["schools"]),
                "findings": a["findings"] or "",
                "suggestions": a["suggestions"] or "",
                "participants": a["participants"] or "",
                "teachers": a["teachers"],
                "evidence": LIST_SEPARATOR.join(evidence),
                "updated_at": thai_time(a["updated_at"]),
                "uuid": a["uuid"],
            }
        )
    return rows


def school_rows(data: dict) -> list[dict]:
    return [{c.key: s[c.key] or "" for c in SCHOOL_COLUMNS} for s in data["schools"]]


# --- CSV -------------------------------------------------------------------------------------


def _csv_value(value) -> object:
    """A CSV cell: dates in ISO, and text a spreadsheet shows as text and never runs as a formula
    (a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR: :func:`nitet_cli.text.spreadsheet_text`)."""
    from nitet_cli.text import spreadsheet_text

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")  # 2026-11-24 16:00:00+07:00
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_text(value)


def csv_text(columns: tuple[Column, ...], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    for row in rows:
        writer.writerow([_csv_value(row[c.key]) for c in columns])
    return out.getvalue()


# --- the workbook ------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Characters as they take room on screen: Thai vowel and tone marks above or below a
    consonant take none, East Asian wide characters two."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def _cell_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 25
    if isinstance(value, date):
        return 10
    return max((display_width(line) for line in str(value).splitlines()), default=0)


def _widths(columns: tuple[Column, ...], rows: list[dict]) -> list[float]:
    widths = []
    for column in columns:
        longest = max(
            [display_width(column.header) + 3]  # room for the filter button
            + [_cell_width(row[column.key]) for row in rows]
        )
        widths.append(min(longest, column.max_width) + 1)
    return widths


def _lines(value, width: float) -> int:
    """How many lines a text cell of ``width`` characters takes once wrapped (an estimate)."""
    if not isinstance(value, str) or not value:
        return 1
    room = max(int(width) - 1, 1)
    return sum(max(1, -(-display_width(line) // room)) for line in value.splitlines()) or 1


def _sheet(workbook, name: str, columns: tuple[Column, ...], rows: list[dict], formats: dict) -> None:
    sheet = workbook.add_worksheet(name)
    widths = _widths(columns, rows)
    # Spreadsheets keep the default row height of the default font (15 pt): Thai marks above and
    # below would overlap, so every row gets its height, by the lines its wrapped text takes.
    sheet.set_default_row(LINE_HEIGHT)
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.header, formats["header"])
    for r, row in enumerate(rows, start=1):
        lines = max(_lines(row[c.key], widths[i]) for i, c in enumerate(columns))
        if lines > 1:
            sheet.set_row(r, min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT))
        for index, column in enumerate(columns):
            value = row[column.key]
            if value is None or value == "":
                sheet.write_blank(r, index, None, formats[column.kind])
            elif column.kind == DATE:
                sheet.write_datetime(r, index, datetime(value.year, value.month, value.day), formats[DATE])
            elif column.kind == DATETIME:
                sheet.write_datetime(r, index, value.replace(tzinfo=None), formats[DATETIME])  # Excel has no zones
            elif column.kind == INTEGER:
                sheet.write_number(r, index, value, formats[INTEGER])
            else:
                sheet.write_string(r, index, str(value)[:MAX_CELL], formats[TEXT])  # text, never a formula
    for index, width in enumerate(widths):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
    # Codes, standards and IDs are text on purpose: no green "number stored as text" triangles.
    sheet.ignore_errors({"number_stored_as_text": f"A1:{_column_letter(len(columns) - 1)}{len(rows) + 1}"})


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def workbook_bytes(activities: list[dict], schools: list[dict]) -> bytes:
    """The .xlsx: sheet กิจกรรม (:data:`ACTIVITY_COLUMNS`) and sheet โรงเรียน (:data:`SCHOOL_COLUMNS`)."""
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Belt and braces: every cell is written with its typed method anyway.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE},
        },
    )
    base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top"}
    formats = {
        "header": workbook.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "bottom": 1, "text_wrap": True}),
        TEXT: workbook.add_format({**base, "num_format": "@", "text_wrap": True}),
        INTEGER: workbook.add_format({**base, "num_format": "0"}),
        DATE: workbook.add_format({**base, "num_format": "yyyy-mm-dd", "align": "left"}),
        DATETIME: workbook.add_format({**base, "num_format": 'yyyy-mm-dd hh:mm:ss"+07:00"', "align": "left"}),
    }
    _sheet(workbook, "กิจกรรม", ACTIVITY_COLUMNS, activities, formats)
    _sheet(workbook, "โรงเรียน", SCHOOL_COLUMNS, schools, formats)
    workbook.close()
    return buffer.getvalue()
