"""Finding past entries (``nitet list``): filters, paging, and ``--search`` through the trigram
index of migration m005 in front of LIKE, with exactly LIKE's results."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date

from nitet_cli.activities import KINDS
from nitet_cli.db import like_pattern
from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.text import clean_text, nearest
from nitet_cli.thai import to_arabic_digits


@dataclass
class ActivityFilter:
    start: date | None = None  # inclusive
    end: date | None = None  # inclusive
    standard: str | None = None  # "7.3", or "7" for every standard of duty 7
    school: str | None = None  # a school code, already resolved
    kind: str | None = None
    search: str | None = None  # a part of the title, findings or suggestions
    limit: int = 50
    offset: int = 0


@dataclass
class ActivityPage:
    total: int  # how many entries match, beyond the page
    rows: list[dict]


def check_standard_filter(conn: sqlite3.Connection, value: str) -> str:
    sid = to_arabic_digits(clean_text(value, multiline=False) or "")
    if sid.isdigit():
        if conn.execute("SELECT 1 FROM duties WHERE number = ?", (int(sid),)).fetchone() is None:
            raise NotFoundError(f"ไม่มีเรื่องที่ {sid} ในคู่มือ — ดูด้วย 'nitet manual show'")
        return sid
    if conn.execute("SELECT 1 FROM standards WHERE id = ?", (sid,)).fetchone() is None:
        ids = [r[0] for r in conn.execute("SELECT id FROM standards")]
        close = nearest(sid, ids)
        hint = f"ใกล้เคียง: {', '.join(close)}" if close else "ดูรายการด้วย 'nitet manual show'"
        raise NotFoundError(f"ไม่มีมาตรฐาน '{sid}' ในคู่มือ — {hint}")
    return sid


# --- search: a trigram index (migration m005) in front of LIKE ---------------------------------

_LIKE_CLAUSE = "(a.title LIKE ? ESCAPE '\\' OR a.findings LIKE ? ESCAPE '\\' OR a.suggestions LIKE ? ESCAPE '\\')"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Up to this many candidates, the page is read entry by entry from the index's matches;
# beyond it, newest first along the date index, keeping the entries among the matches.
FEW_CANDIDATES = 5_000


def _trigram_query(text: str) -> str:
    """An FTS5 query that every text containing ``text`` (as LIKE compares) matches: the
    three-character pieces of ``text`` covering it end to end, ASCII letters in lower
    case as the index stores them, each quoted (so % _ * " and the like are plain text)."""
    folded = text.translate(_ASCII_LOWER)
    starts = list(range(0, len(folded) - 2, 3))
    if starts[-1] != len(folded) - 3:
        starts.append(len(folded) - 3)
    pieces = dict.fromkeys(folded[i : i + 3] for i in starts)
    return " AND ".join('"' + piece.replace('"', '""') + '"' for piece in pieces)


def _search_clause(conn: sqlite3.Connection, text: str) -> tuple[str, list, int | None]:
    """The WHERE clause for ``--search text``, its parameters, and the exact number of
    matches when the index alone knows it.

    The results are always exactly LIKE's: substrings, ASCII letters in either case, every
    other character as typed. With three characters or more, the trigram index of m005
    finds the candidates; with more than three, LIKE then checks them (the index matches
    the pieces, not their order). One or two characters: LIKE alone.
    """
    like = [like_pattern(text)] * 3
    indexed = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'activities_search'").fetchone() is not None
    if len(text) < 3 or not indexed:
        return _LIKE_CLAUSE, like, None
    query = _trigram_query(text)
    matches = "SELECT rowid FROM activities_search WHERE activities_search MATCH ?"
    few = len(conn.execute(f"{matches} LIMIT ?", (query, FEW_CANDIDATES + 1)).fetchall()) <= FEW_CANDIDATES
    # "+a.id" keeps SQLite on the date index (newest first) when the matches are many.
    clause = f"{'a.id' if few else '+a.id'} IN ({matches})"
    if len(text) == 3:  # one piece, found as typed: the index is exact
        total = conn.execute(
            "SELECT count(*) FROM activities_search WHERE activities_search MATCH ?", (query,)
        ).fetchone()[0]
        return clause, [query], total
    return f"{clause} AND {_LIKE_CLAUSE}", [query, *like], None


def list_activities(conn: sqlite3.Connection, where: ActivityFilter) -> ActivityPage:
    """Entries matching ``where``, newest first, one page of them, and how many match in all.

    Filtering, counting and paging happen in SQL on the indexes (activities.date,
    activity_standards(standard_id), activity_schools(school_code)).
    """
    clauses: list[str] = []
    params: list = []
    if where.start is not None:
        clauses.append("a.date >= ?")
        params.append(where.start.isoformat())
    if where.end is not None:
        clauses.append("a.date <= ?")
        params.append(where.end.isoformat())
    if where.standard:
        sid = check_standard_filter(conn, where.standard)
        if sid.isdigit():
            clauses.append(
                "a.id IN (SELECT activity_id FROM activity_standards WHERE standard_id >= ? AND standard_id < ?)"
            )
            params.extend([f"{sid}.", f"{sid}/"])  # '/' sorts right after '.'
        else:
            clauses.append("a.id IN (SELECT activity_id FROM activity_standards WHERE standard_id = ?)")
            params.append(sid)
    if where.school:
        clauses.append("a.id IN (SELECT activity_id FROM activity_schools WHERE school_code = ?)")
        params.append(where.school)
    if where.kind:
        if where.kind not in KINDS:
            raise InputError(f"ประเภทกิจกรรม (--kind) '{where.kind}' ไม่มี — เลือก: {', '.join(KINDS)}")
        clauses.append("a.kind = ?")
        params.append(where.kind)
    search_total = None  # the number of matches, when the search index alone gives it exactly
    if where.search:
        text = clean_text(where.search, multiline=False) or ""
        if text:
            clause, clause_params, search_total = _search_clause(conn, text)
            clauses.append(clause)
            params.extend(clause_params)
    if where.limit < 0:
        raise InputError(f"--limit ต้องไม่ติดลบ ไม่ใช่ {where.limit}")
    sql_where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = conn.execute(
        "SELECT a.id, a.uuid, a.date, a.kind, a.mode, a.title, a.teachers, sv.name AS supervisor,"
        " (SELECT json_group_array(standard_id) FROM (SELECT standard_id FROM activity_standards"
        "   WHERE activity_id = a.id ORDER BY standard_id)) AS standards,"
        " (SELECT json_group_array(json_object('code', s.code, 'name', s.name, 'group', s.school_group))"
        "   FROM activity_schools x JOIN schools s ON s.code = x.school_code WHERE x.activity_id = a.id) AS schools,"
        " (SELECT count(*) FROM evidence e WHERE e.activity_id = a.id) AS evidence"
        f" FROM activities a LEFT JOIN supervisors sv ON sv.id = a.supervisor_id {sql_where}"
        " ORDER BY a.date DESC, a.id DESC LIMIT ? OFFSET ?",
        [*params, where.limit, where.offset],
    ).fetchall()
    if where.offset == 0 and len(rows) < where.limit:
        total = len(rows)  # the page holds every match: no second pass over the table
    elif search_total is not None and len(clauses) == 1:
        total = search_total  # a three-character search and nothing else: the index counted it
    else:
        total = conn.execute(f"SELECT count(*) FROM activities a {sql_where}", params).fetchone()[0]
    result = []
    for r in rows:
        item = {k: r[k] for k in r.keys()}
        item["standards"] = json.loads(r["standards"])
        item["schools"] = sorted(json.loads(r["schools"]), key=lambda s: s["name"])
        result.append(item)
    return ActivityPage(total=total, rows=result)
