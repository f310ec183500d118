"""Found by a hostile pass over the day's changes (wrong clocks, databases in evidence stores,
Thai help pages, ``-o -``): each test failed before its fix."""

from __future__ import annotations

import sqlite3

from conftest import Nitet, visit


def _set(db, sql: str, params=()) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(sql, params)
    conn.close()


def _school(nitet: Nitet) -> None:
    nitet("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")


# --- wrong clocks ----------------------------------------------------------------------------------


def test_doctor_reads_a_stamp_hand_edited_into_a_blob(initialised):
    """A stamp column holding a BLOB (a database browser's "binary" cell): doctor named the other
    stamps ahead of the clock and ended in a TypeError traceback on it."""
    _school(initialised)
    visit(initialised, "-s", "57010001", "-d", "2026-11-20")
    visit(initialised, "-s", "57010001", "-d", "2026-11-21")
    _set(initialised.db_path, "UPDATE activities SET updated_at = ? WHERE id = 1", (b"2099-12-31T00:00:00",))
    _set(initialised.db_path, "UPDATE activities SET updated_at = '2099-12-31T00:00:00+00:00' WHERE id = 2")
    result = initialised("doctor", "--json")
    report = __import__("json").loads(result.stdout)
    assert [(p["table"], p["key"]) for p in report["problems"] if p["code"] == "future_stamp"] == [("activities", 2)]
    fixed = initialised.json("doctor", "--fix")
    assert [(r["table"], r["key"]) for r in fixed["restamped"]] == [("activities", 2)]
    assert initialised.query("SELECT typeof(updated_at) FROM activities WHERE id = 1") == [("blob",)]


def test_a_spreadsheet_export_of_an_entry_imported_with_a_year_one_stamp(initialised, tmp_path):
    """An export file's entry stamped ``0001-01-01T00:00:00+07:00`` (a clock reset to year one, or a
    hand edit) is accepted by import; export to CSV or a workbook then failed with "a number too
    large" (exit 2): the stamp has no Thai time. The row is written, its last-edit cell empty."""
    _school(initialised)
    visit(initialised, "-s", "57010001", "-d", "2026-11-20", "-t", "นิเทศการอ่าน")
    exported = tmp_path / "mine.json"
    initialised("export", "-o", exported)
    data = __import__("json").loads(exported.read_text(encoding="utf-8"))
    data["activities"][0]["created_at"] = data["activities"][0]["updated_at"] = "0001-01-01T00:00:00+07:00"
    exported.write_text(__import__("json").dumps(data, ensure_ascii=False), encoding="utf-8")
    group = Nitet(tmp_path / "group.db")
    group("init")
    group("import", exported)
    assert group.query("SELECT updated_at FROM activities") == [("0001-01-01T00:00:00+07:00",)]
    shown = group("export", "-f", "csv", "-o", "-").stdout
    assert "นิเทศการอ่าน" in shown and "0001-01-01" not in shown
    group("export", "-o", tmp_path / "group.xlsx")
    assert (tmp_path / "group.xlsx").stat().st_size > 0


# --- a new database in an evidence store -----------------------------------------------------------


def test_a_database_named_through_the_store_and_back_out_is_not_in_it(tmp_path, monkeypatch):
    """``--db a-evidence/../g.db`` is ``g.db`` beside the store: init refused it (exit 5) as inside
    ``a-evidence/``, suggesting the very same file as the place outside."""
    monkeypatch.chdir(tmp_path)
    Nitet(tmp_path / "a.db")("init")
    (tmp_path / "a-evidence").mkdir()
    Nitet("a-evidence/../g.db")("init")
    assert (tmp_path / "g.db").is_file() and list((tmp_path / "a-evidence").iterdir()) == []
    inside = Nitet("a-evidence/sub/../g.db")("init", ok=False)  # still in the store: refused
    assert inside.exit_code == 5 and "ที่เก็บหลักฐาน" in inside.stderr


# --- help pages in Thai ----------------------------------------------------------------------------


def test_the_range_of_a_number_option_is_said_in_thai_on_every_page():
    """Click notes a number option's range as ``[x>=0]`` (list --limit/--offset, --teachers of
    log-visit, log, edit): left in that notation on the Thai pages. It reads as the error says it."""
    import re

    from test_terminal_edges import help_pages

    pages = {path: page for path, page, _texts in help_pages()}
    for path, page in pages.items():
        assert not re.search(r"\bx\s*[<>]=?\s*-?\d|\d\s*<=?\s*x\b", page), path
    assert "[ค่าเริ่มต้น: 50; ไม่น้อยกว่า 0]" in " ".join(pages["nitet list"].split())
    assert "[ไม่น้อยกว่า 0]" in " ".join(pages["nitet log-visit"].split())


def test_the_usage_line_is_thai_and_broken_at_spaces_at_any_width(monkeypatch):
    """The usage line kept click's ``[OPTIONS]`` and ``COMMAND [ARGS]...``, and at 20 columns click
    cut it anywhere (``[OPTION`` / ``S]``). Its words are Thai now, and its lines end at spaces."""
    from test_terminal_edges import help_pages

    for columns in (20, 24, 40, 80, 200):
        monkeypatch.setenv("COLUMNS", str(columns))
        for path, page, _texts in help_pages():
            usage = page.split("\n\n")[0]
            for english in ("[OPTIONS]", "COMMAND", "[ARGS]"):
                assert english not in page, (columns, path, english)
            assert usage.split()[:2] == ["วิธีใช้:", "nitet"] and "[ตัวเลือก]" in usage.split(), (columns, usage)
            assert all(line == line.rstrip() for line in usage.splitlines()), (columns, usage)
    monkeypatch.setenv("COLUMNS", "80")
    root = next(page for path, page, _texts in help_pages() if path == "nitet")
    assert root.startswith("วิธีใช้: nitet [ตัวเลือก] คำสั่ง [ค่าที่ระบุ]...\n")
