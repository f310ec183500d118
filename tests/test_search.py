"""Issue 5: ``nitet list --search`` through the trigram index (migration m005) finds
exactly what a LIKE scan finds — substrings of Thai text, ASCII letters in either case,
every other character as typed (% _ " * \\ and friends literal), 1–2 characters by LIKE.
"""

from __future__ import annotations

import random
import sqlite3
import unicodedata

import pytest

from nitet_cli import search
from nitet_cli.db import connect, transaction
from nitet_cli.search import ActivityFilter, list_activities
from nitet_cli.text import clean_text

PIECES = [
    "นิเทศ",
    "ติดตาม",
    "การอ่านออกเขียนได้",
    "ชุมชนการเรียนรู้ทางวิชาชีพ",
    "(PLC)",
    "plc",
    "Plc",
    "ครูใช้แบบฝึกอ่าน",
    "นักเรียน ป.๑ อ่านคล่อง ๘๐%",
    "100%",
    "a_b",
    "a%b",
    'คำว่า "ดี"',
    "*ดาว*",
    "back\\slash",
    "it's",
    "ÉCOLE",
    "école",
    "\u212a",
    "K",
    "k",
    "ﬁ",
    "e\u0301",
    "é",
    "ผู้บริหาร",
    "น้ำ",
    "ก่",
    "กั่",
    "😀",
    "ABC",
    "abc",
    "aBc",
    "  ",
    "-",
    "ส้ม",
    "คณิตศาสตร์",
    "ค่ะ",
    "โรงเรียนบ้านห้วยผา 15394",
    "[x]",
    "^",
    "$",
    "OR",
    "AND",
    "NEAR",
    "'",
    ":",
    "(",
    ")",
    "{",
    "}",
]


def random_text(rng: random.Random, n: int) -> str:
    return clean_text(" ".join(rng.choice(PIECES) for _ in range(n)) if n else "", multiline=False) or ""


def reference(db, text: str, standard: str | None = None) -> list[int]:
    """The ids a LIKE scan finds, newest first: Python's own substring test with ASCII case folded."""
    fold = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
    text = (clean_text(text, multiline=False) or "").translate(fold)
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT id, date, title, findings, suggestions FROM activities ORDER BY date DESC, id DESC"
        ).fetchall()
        linked = {
            r[0] for r in conn.execute("SELECT activity_id FROM activity_standards WHERE standard_id = ?", (standard,))
        }
    finally:
        conn.close()
    return [
        r[0]
        for r in rows
        if any(text in column.translate(fold) for column in r[2:]) and (standard is None or r[0] in linked)
    ]


@pytest.fixture
def texts(initialised):
    """200 entries of mixed Thai, Latin, accents, symbols and emoji, some over two terms."""
    rng = random.Random(5)
    conn = connect(initialised.db_path)
    try:
        with transaction(conn):
            for n in range(200):
                conn.execute(
                    "INSERT INTO activities (uuid, date, title, findings, suggestions, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, 'x', 'x')",
                    (
                        f"00000000-0000-4000-8000-{n:012d}",
                        f"2026-{6 + n % 6:02d}-{1 + n % 28:02d}",
                        random_text(rng, 1 + n % 3) or "x",
                        random_text(rng, n % 4),
                        random_text(rng, n % 2),
                    ),
                )
                conn.execute(
                    "INSERT INTO activity_standards VALUES (last_insert_rowid(), ?)", ("7.3" if n % 3 else "1.1",)
                )
    finally:
        conn.close()
    return initialised


def queries() -> list[str]:
    rng = random.Random(55)
    chosen = set(PIECES)
    for piece in PIECES:
        for size in (1, 2, 3, 4, 5):
            for start in range(0, max(1, len(piece) - size + 1)):
                chosen.add(piece[start : start + size])
    for _ in range(60):  # across the boundary of two pieces
        text = rng.choice(PIECES) + " " + rng.choice(PIECES)
        start = rng.randrange(len(text))
        chosen.add(text[start : start + rng.randint(2, 8)])
    chosen |= {
        "pLC",
        "PLC",
        "ÉCO",
        "éco",
        "écol",
        "\u212a",
        "kk",
        '"ดี"',
        '"',
        '""',
        "%",
        "%b",
        "_",
        "a_",
        "\\",
        "\\s",
        "*",
        "OR ",
        " AND ",
        "NEAR(",
        "ไม่มีคำนี้เลย",
        "e\u0301",
        unicodedata.normalize("NFD", "é"),
    }
    return sorted(q for q in chosen if (clean_text(q, multiline=False) or ""))


def test_search_equals_like(texts):
    conn = connect(texts.db_path)
    try:
        for text in queries():
            page = list_activities(conn, ActivityFilter(search=text, limit=1000))
            expected = reference(texts.db_path, text)
            assert [r["id"] for r in page.rows] == expected, text
            assert page.total == len(expected), text
            few = list_activities(conn, ActivityFilter(search=text, limit=3, offset=1))
            assert [r["id"] for r in few.rows] == expected[1:4] and few.total == len(expected), text
    finally:
        conn.close()


def test_many_matches_path_gives_the_same(texts, monkeypatch):
    """Past FEW_CANDIDATES matches the page is read along the date index: same entries, same totals."""
    conn = connect(texts.db_path)
    try:
        for text in ("นิเทศ", "PLC", "การอ่าน", "100%", "a_b", '"ดี"', "ÉCOLE", "ไม่มีคำนี้เลย"):
            monkeypatch.setattr(search, "FEW_CANDIDATES", 5_000)
            one = list_activities(conn, ActivityFilter(search=text, limit=7, offset=2))
            monkeypatch.setattr(search, "FEW_CANDIDATES", 0)
            other = list_activities(conn, ActivityFilter(search=text, limit=7, offset=2))
            assert (one.total, one.rows) == (other.total, other.rows), text
            expected = reference(texts.db_path, text, standard="7.3")
            both = list_activities(conn, ActivityFilter(search=text, standard="7.3", limit=1000))
            assert [r["id"] for r in both.rows] == expected, text
    finally:
        conn.close()


def test_search_follows_add_edit_delete_through_the_cli(initialised):
    nitet = initialised
    nitet("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    first = nitet.json(
        "log",
        "7.4",
        "-t",
        "ประชุมชุมชนการเรียนรู้ทางวิชาชีพ",
        "--date",
        "2026-11-02",
        "--findings",
        "ครูร่วมวง PLC ครบทุกคน",
        "--json",
    )["id"]
    second = nitet.json(
        "log-visit",
        "-s",
        "57010001",
        "-t",
        "นิเทศการอ่าน",
        "--date",
        "2026-11-03",
        "--suggestions",
        "ควรอ่านทุกวัน 100%",
        "--json",
    )["id"]

    def ids(text):
        return [r["id"] for r in nitet.json("list", "--search", text)["entries"]]

    assert ids("plc") == [first] and ids("วิชาชีพ") == [first] and ids("ทุกวัน 100%") == [second]
    nitet("edit", str(first), "--title", "อบรมคณิตศาสตร์", "--findings", "")
    assert ids("วิชาชีพ") == [] and ids("PLC") == [] and ids("คณิต") == [first]
    nitet("delete", str(second), "--yes")
    assert ids("ทุกวัน") == [] and ids("อ่าน") == []
    assert nitet.query("SELECT count(*) FROM activities_search WHERE activities_search MATCH '\"คณิ\"'") == [(1,)]


def test_short_searches_use_like(texts):
    """One or two characters (fewer than a trigram) still find every entry LIKE finds."""
    conn = connect(texts.db_path)
    try:
        for text in ("k", "K", "%", "_", "ก่", "😀", "a%", "นิ"):
            page = list_activities(conn, ActivityFilter(search=text, limit=1000))
            assert [r["id"] for r in page.rows] == reference(texts.db_path, text), text
    finally:
        conn.close()
