"""Recording and reading entries through the CLI: log-visit, log, list, show, edit, delete;
every bad input refused with one sentence and nothing written; never a prompt without a
terminal; recording and listing stay light (no DOCX stack)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import with_schools

SCHOOLS_CSV = (
    "code,name,group,district\n"
    "0157010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
    "57010003,โรงเรียนบ้านสันทราย,ริมกก,เมืองเชียงราย\n"
    "57010004,โรงเรียนบ้านคู่ใต้,บ้านคู่,เมืองเชียงราย\n"
)


@pytest.fixture
def world(initialised, tmp_path):
    return with_schools(initialised, tmp_path, SCHOOLS_CSV)


def photo(tmp_path: Path, name="visit.jpg", content=b"\xff\xd8\xff\xe0 a photo") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def visit(nitet, *args, **kwargs):
    """log-visit with --json; returns the entry."""
    return nitet.json("log-visit", *args, **kwargs)


def evidence_dir(nitet) -> Path:
    return nitet.db_path.with_name(f"{nitet.db_path.stem}-evidence")


def stored_files(nitet) -> list[Path]:
    root = evidence_dir(nitet)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- log-visit ------------------------------------------------------------------------------------


def test_log_visit_prints_the_new_id(world):
    result = world("log-visit", "--school", "57010002", "--date", "15/6/2569", "--title", "นิเทศการอ่าน")
    assert result.stdout.strip() == "1"
    row = world.query("SELECT id, date, kind, mode, title FROM activities")
    assert row == [(1, "2026-06-15", "visit", "onsite", "นิเทศการอ่าน")]
    assert world.query("SELECT standard_id FROM activity_standards") == [("8.3",)]  # พื้นที่สูง → 8.3
    assert world.query("SELECT school_code FROM activity_schools") == [("57010002",)]


@pytest.mark.parametrize(
    "school, standard",
    [("โรงเรียนบ้านคู่", "7.3"), ("ดอยงาม", "8.3"), ("สันทราย", "6.3"), ("57010004", "7.3")],
)
def test_default_standard_from_the_school_group(world, school, standard):
    entry = visit(world, "--school", school, "--title", "นิเทศ")
    assert entry["standards"] == [standard]


def test_explicit_standards_repeatable_and_thai_digits(world):
    entry = visit(
        world, "--school", "ดอยงาม", "--standard", "๘.๓", "--standard", "6.3", "--standard", "8.3", "--title", "นิเทศ"
    )
    assert entry["standards"] == ["6.3", "8.3"]


def test_json_is_the_whole_entry(world, tmp_path):
    entry = visit(
        world,
        "--school", "บ้านคู่ใต้", "--date", "2026-06-15", "--mode", "hybrid", "--title", "นิเทศ PLC",
        "--findings", "ครูจัดกิจกรรม\nหลายบรรทัด", "--suggestions", "ควรบันทึกหลังสอน", "--teachers", "12",
        "--participants", "ครู ป.๑", "--evidence", photo(tmp_path), "--link", "https://drive.google.com/file/d/abc",
        "--caption", "ภาพกิจกรรม",
    )  # fmt: skip
    assert entry["id"] == 1 and len(entry["uuid"]) == 36
    assert (entry["date"], entry["kind"], entry["mode"], entry["teachers"]) == ("2026-06-15", "visit", "hybrid", 12)
    assert entry["findings"] == "ครูจัดกิจกรรม\nหลายบรรทัด" and entry["participants"] == "ครู ป.๑"
    assert (entry["academic_year"], entry["term"]) == (2569, 1)
    assert entry["schools"] == [{"code": "57010004", "name": "โรงเรียนบ้านคู่ใต้", "group": "บ้านคู่"}]
    assert entry["standards"] == ["7.3"] and "GROWER" in entry["standard_texts"]["7.3"]
    assert entry["supervisor"] == "นายรณชัย สิงห์คำ"
    kinds = [(e["kind"], e["caption"]) for e in entry["evidence"]]
    assert kinds == [("file", "ภาพกิจกรรม"), ("link", "ภาพกิจกรรม")]
    assert Path(entry["evidence"][0]["path"]).read_bytes() == photo(tmp_path).read_bytes()
    assert entry["evidence"][1]["url"] == "https://drive.google.com/file/d/abc"


@pytest.mark.parametrize(
    "typed, iso",
    [
        ("2026-06-15", "2026-06-15"),
        ("15/6/2569", "2026-06-15"),
        ("15/06/2026", "2026-06-15"),
        ("๑๕/๖/๒๕๖๙", "2026-06-15"),
        ("today", "2026-11-24"),
        ("yesterday", "2026-11-23"),
    ],
)
def test_dates(world, typed, iso):
    assert visit(world, "-s", "ดอยงาม", "-d", typed, "-t", "นิเทศ")["date"] == iso


def test_date_defaults_to_today(world):
    assert visit(world, "-s", "ดอยงาม", "-t", "นิเทศ")["date"] == "2026-11-24"


def test_future_date_needs_allow_future(world):
    before = world.snapshot()
    result = world("log-visit", "-s", "ดอยงาม", "-d", "25/11/2569", "-t", "นิเทศ", ok=False)
    assert result.exit_code == 2 and "อนาคต" in result.stderr and "--allow-future" in result.stderr
    assert world.snapshot() == before
    assert visit(world, "-s", "ดอยงาม", "-d", "25/11/2569", "-t", "นิเทศ", "--allow-future")["date"] == "2026-11-25"


def test_text_is_nfc_without_xml_forbidden_characters(world):
    entry = visit(world, "-s", "ดอยงาม", "-t", "Cafe\u0301\x00 นิเทศ\x0b", "--findings", "ผล\x1b\ufffeดี\r\nมาก")
    assert entry["title"] == "Café นิเทศ"
    assert unicodedata.is_normalized("NFC", entry["title"])
    assert entry["findings"] == "ผลดี\nมาก"


BAD_VISITS = [
    (["-s", "โรงเรียนไม่มี", "-t", "x"], 3, ["ไม่พบโรงเรียน"]),
    (["-s", "ดอยงาน", "-t", "x"], 3, ["ไม่พบโรงเรียน", "โรงเรียนดอยงาม (57010002)"]),  # nearest listed
    (["-s", "บ้านคู่", "-t", "x"], 2, ["หลายโรงเรียน", "0157010001", "57010004"]),  # ambiguous
    (["-s", "ดอยงาม", "--standard", "7.33", "-t", "x"], 3, ["ไม่มีมาตรฐาน '7.33'", "7.3"]),
    (["-s", "ดอยงาม", "-d", "31/2/2569", "-t", "x"], 2, ["ไม่มีจริง"]),
    (["-s", "ดอยงาม", "-d", "15/6/2567", "-t", "x"], 2, ["อยู่ก่อนปีการศึกษา 2568"]),
    (["-s", "ดอยงาม", "-d", "2027-01-01", "-t", "x"], 2, ["อนาคต"]),
    (["-s", "ดอยงาม", "-t", "   "], 2, ["ชื่อกิจกรรมว่าง"]),
    (["-s", "ดอยงาม", "-t", "x", "--mode", "walk"], 2, ["รูปแบบ (--mode) 'walk'", "onsite"]),
    (["-s", "ดอยงาม", "-t", "x", "--teachers", "-1"], 2, []),
    (["-s", "ดอยงาม", "-t", "x", "--evidence", "/no/such/photo.jpg"], 3, ["ไม่พบไฟล์หลักฐาน"]),
    (["-s", "ดอยงาม", "-t", "x", "--link", "drive.google.com/x"], 2, ["ลิงก์", "https://"]),
]


@pytest.mark.parametrize("args, code, words", BAD_VISITS)
def test_bad_input_refused_and_nothing_written(world, args, code, words):
    before = world.snapshot()
    result = world("log-visit", *args, ok=False)
    assert result.exit_code == code, result.output
    for word in words:
        assert word in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert world.snapshot() == before
    assert stored_files(world) == []


def test_no_entry_without_the_evidence_it_was_given(world, tmp_path):
    before = world.snapshot()
    good = photo(tmp_path)
    result = world("log-visit", "-s", "ดอยงาม", "-t", "x", "-e", good, "-e", tmp_path / "missing.jpg", ok=False)
    assert result.exit_code == 3 and "missing.jpg" in result.stderr
    result = world("log-visit", "-s", "ดอยงาม", "-t", "x", "-e", good, "-e", tmp_path, ok=False)
    assert result.exit_code == 2 and "โฟลเดอร์" in result.stderr
    assert world.snapshot() == before
    assert stored_files(world) == []  # the good file was not copied either


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_evidence_refused(world, tmp_path):
    secret = photo(tmp_path, "secret.jpg")
    secret.chmod(0)
    before = world.snapshot()
    result = world("log-visit", "-s", "ดอยงาม", "-t", "x", "-e", secret, ok=False)
    assert result.exit_code == 2 and "อ่านไฟล์หลักฐาน" in result.stderr
    assert world.snapshot() == before


def test_no_database_is_a_clear_error(nitet):
    result = nitet("log-visit", "-s", "x", "-t", "y", ok=False)
    assert result.exit_code == 3 and "nitet init" in result.stderr
    assert not nitet.db_path.exists()


def test_no_manual_yet(nitet):
    from nitet_cli.db import connect  # an empty, migrated database: schools but no manual

    connect(nitet.db_path).close()
    nitet("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม")
    result = nitet("log-visit", "-s", "57010002", "--standard", "7.3", "-t", "x", ok=False)
    assert result.exit_code == 3 and "nitet init" in result.stderr


# --- never a prompt without a terminal; prompts with a terminal ------------------------------------------


def test_non_interactive_names_what_is_missing(world):
    before = world.snapshot()
    result = world("log-visit", input=None, ok=False)
    assert result.exit_code == 2
    assert "--school" in result.stderr and "--title" in result.stderr and "ไม่ถามกลับ" in result.stderr
    result = world("log-visit", "-s", "ดอยงาม", input=None, ok=False)
    assert result.exit_code == 2 and "--title" in result.stderr and "--school" not in result.stderr
    result = world("log", "--title", "ประชุม", input=None, ok=False)
    assert result.exit_code == 2 and "STANDARD" in result.stderr
    assert world.snapshot() == before


def test_non_interactive_subprocess_never_waits(world):
    """A real process with stdin that is not a terminal (and never closes) exits at once."""
    env = {**os.environ, "NITET_DB": str(world.db_path), "NITET_TODAY": "2026-11-24"}
    proc = subprocess.run(
        [sys.executable, "-m", "nitet_cli", "log-visit", "--school", "ดอยงาม"],
        stdin=subprocess.PIPE,  # open and never written to: a prompt would wait forever
        capture_output=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "--title" in proc.stderr.decode()


def test_prompts_in_a_terminal(world, monkeypatch):
    from nitet_cli.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    result = world("log-visit", input="ดอยงาน\nดอยงาม\nนิเทศการอ่าน\n")
    assert "โรงเรียนที่มี:" in result.output and "57010002" in result.output  # the choices shown
    assert "ไม่พบโรงเรียน 'ดอยงาน'" in result.output  # a wrong answer is asked again
    assert world.query("SELECT title FROM activities") == [("นิเทศการอ่าน",)]
    assert world.query("SELECT standard_id FROM activity_standards") == [("8.3",)]


def test_log_prompts_for_a_standard_with_choices(world, monkeypatch):
    from nitet_cli.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    result = world("log", "--kind", "meeting", input="99.9\n1.2\nประชุมวางแผน\n")
    assert "9.1" in result.output and "มาตรฐานในคู่มือ:" in result.output
    assert world.query("SELECT standard_id FROM activity_standards") == [("1.2",)]
    assert world.query("SELECT kind, title FROM activities") == [("meeting", "ประชุมวางแผน")]


# --- log -------------------------------------------------------------------------------------------------------


def test_log_other_activities(world, tmp_path):
    entry = world.json(
        "log", "1.2", "9.1", "--title", "ประชุมวางแผนการนิเทศ", "--kind", "meeting", "--date", "yesterday",
        "--mode", "online", "--link", "https://meet.google.com/abc", "--school", "ดอยงาม", "--school", "57010003",
    )  # fmt: skip
    assert entry["standards"] == ["1.2", "9.1"] and entry["kind"] == "meeting" and entry["mode"] == "online"
    assert sorted(s["code"] for s in entry["schools"]) == ["57010002", "57010003"]
    assert world("log", "5.1", "--title", "ปรับปรุงเว็บไซต์", "--kind", "website").stdout.strip() == "2"
    assert world.query("SELECT kind FROM activities WHERE id = 2") == [("website",)]


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["1.9", "--title", "x"], 3, ["ไม่มีมาตรฐาน '1.9'"]),
        (["1.2", "--title", "x", "--kind", "party"], 2, ["ประเภทกิจกรรม (--kind) 'party'"]),
        (["1.2", "--title", ""], 2, ["ชื่อกิจกรรมว่าง"]),
        (["1.2", "--title", "x", "--school", "ไม่มี"], 3, ["ไม่พบโรงเรียน"]),
    ],
)
def test_log_bad_input(world, args, code, words):
    before = world.snapshot()
    result = world("log", *args, ok=False)
    assert result.exit_code == code
    for word in words:
        assert word in result.stderr
    assert world.snapshot() == before


def test_retired_standard_refused(world, tmp_path):
    import yaml

    from tests.conftest import BUNDLED_MANUAL

    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    data["duties"][0]["standards"] = data["duties"][0]["standards"][:-1]  # drop the last row of duty 1
    dropped = f"1.{len(data['duties'][0]['standards']) + 1}"
    path = tmp_path / "smaller.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    world("manual", "load", path)
    before = world.snapshot()
    result = world("log", dropped, "--title", "x", ok=False)
    assert result.exit_code == 2 and "ยกเลิก" in result.stderr
    assert world.snapshot() == before


# --- list and show ----------------------------------------------------------------------------------------------


@pytest.fixture
def history(world):
    w = world
    w("log-visit", "-s", "ดอยงาม", "-d", "2026-05-15", "-t", "นิเทศปลายปี", "--findings", "ผลดี 100%")  # 1: term 2/2568
    w("log-visit", "-s", "ดอยงาม", "-d", "2026-05-16", "-t", "นิเทศต้นปี")  # 2: term 1/2569
    w("log-visit", "-s", "โรงเรียนบ้านคู่", "-d", "2026-10-31", "-t", "นิเทศการอ่าน", "--suggestions", "ควรอ่านทุกวัน")  # 3
    w("log-visit", "-s", "บ้านคู่ใต้", "-d", "2026-11-01", "-t", "นิเทศคณิต")  # 4: term 2/2569
    w("log", "1.2", "--title", "ประชุม_วางแผน", "--kind", "meeting", "-d", "2026-11-24")  # 5
    return w


def ids(data) -> list[int]:
    return [e["id"] for e in data["entries"]]


def test_list_newest_first_with_total(history):
    data = history.json("list")
    assert ids(data) == [5, 4, 3, 2, 1] and data["total"] == 5 and data["shown"] == 5
    data = history.json("list", "--limit", "2")
    assert ids(data) == [5, 4] and data["total"] == 5
    data = history.json("list", "--limit", "2", "--offset", "2")
    assert ids(data) == [3, 2] and data["total"] == 5
    data = history.json("list", "--limit", "0")
    assert ids(data) == [] and data["total"] == 5
    data = history.json("list", "--offset", "9")
    assert ids(data) == [] and data["total"] == 5
    assert "ทั้งหมด 5 รายการ" in history("list", "--offset", "9").stdout


def test_list_term_boundaries(history):
    assert ids(history.json("list", "--year", "2569", "--term", "1")) == [3, 2]  # 16 May … 31 Oct
    assert ids(history.json("list", "--year", "2569", "--term", "2")) == [5, 4]  # 1 Nov …
    assert ids(history.json("list", "--year", "2568", "--term", "2")) == [1]  # … 15 May
    assert ids(history.json("list", "--year", "2569")) == [5, 4, 3, 2]
    assert ids(history.json("list", "--term", "2")) == [5, 4]  # the current academic year (2569)
    history("term", "set", "2569", "1", "--start", "2026-05-18", "--end", "2026-10-31")
    assert ids(history.json("list", "--year", "2569", "--term", "1")) == [3]


def test_list_filters(history):
    assert ids(history.json("list", "--standard", "7.3")) == [4, 3]  # both บ้านคู่ schools
    assert ids(history.json("list", "--standard", "8.3")) == [2, 1]
    assert ids(history.json("list", "--standard", "1")) == [5]  # a whole duty
    assert ids(history.json("list", "--school", "ดอยงาม")) == [2, 1]
    assert ids(history.json("list", "--kind", "meeting")) == [5]
    assert ids(history.json("list", "--search", "อ่านทุกวัน")) == [3]  # suggestions
    assert ids(history.json("list", "--search", "100%")) == [1]  # findings; % is literal
    assert ids(history.json("list", "--search", "%")) == [1]
    assert ids(history.json("list", "--search", "_")) == [5]  # _ is literal
    assert ids(history.json("list", "--search", "นิเทศ", "--from", "1/6/2569", "--to", "2026-11-01")) == [4, 3]
    data = history.json("list", "--school", "ดอยงาม", "--year", "2569")
    assert ids(data) == [2] and data["total"] == 1
    row = history.json("list", "--standard", "7.3")["entries"][-1]
    assert row["schools"] == [{"code": "0157010001", "name": "โรงเรียนบ้านคู่", "group": "บ้านคู่"}]
    assert row["standards"] == ["7.3"] and row["evidence"] == 0 and row["date"] == "2026-10-31"


def test_list_table_shows_be_dates_and_the_count(history):
    out = history("list", "--limit", "3").stdout
    assert "24 พ.ย. 2569" in out and "31 ต.ค. 2569" in out
    assert "2026" not in out
    assert "1–3" in out and "5 รายการ" in out
    assert "ไม่พบรายการ" in history("list", "--search", "ไม่มีคำนี้").stdout


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["--standard", "7.9"], 3, ["ไม่มีมาตรฐาน"]),
        (["--standard", "77"], 3, ["ไม่มีเรื่องที่ 77"]),
        (["--school", "ไม่มี"], 3, ["ไม่พบโรงเรียน"]),
        (["--year", "2026"], 2, ["ปีพุทธศักราช"]),
        (["--year", "2569", "--term", "3"], 2, ["ภาคเรียนต้องเป็น 1 หรือ 2"]),
        (["--kind", "party"], 2, ["ประเภทกิจกรรม"]),
        (["--from", "31/2/2569"], 2, ["ไม่มีจริง"]),
    ],
)
def test_list_bad_filters(history, args, code, words):
    result = history("list", *args, ok=False)
    assert result.exit_code == code
    for word in words:
        assert word in result.stderr


def test_show(history):
    entry = history.json("show", "3")
    assert entry["title"] == "นิเทศการอ่าน" and entry["standards"] == ["7.3"] and entry["term"] == 1
    out = history("show", "3").stdout
    assert "31 ตุลาคม 2569" in out and "ภาคเรียนที่ 1/2569" in out and "โรงเรียนบ้านคู่ (0157010001)" in out
    assert "ข้อเสนอแนะ: ควรอ่านทุกวัน" in out
    result = history("show", "99", ok=False)
    assert result.exit_code == 3 and "ไม่มีรายการที่ 99" in result.stderr


# --- edit ---------------------------------------------------------------------------------------------------------------


def test_edit(history):
    w = history
    uuid_before = w.query("SELECT uuid FROM activities WHERE id = 3")
    entry = w.json(
        "edit", "3", "--title", "นิเทศการอ่านออกเขียนได้", "--date", "30/10/2569", "--standard", "7.3", "--standard", "6.3",
        "--school", "บ้านคู่ใต้", "--teachers", "5", "--findings", "แก้ผล",
    )  # fmt: skip
    assert entry["title"] == "นิเทศการอ่านออกเขียนได้" and entry["date"] == "2026-10-30"
    assert entry["standards"] == ["6.3", "7.3"] and [s["code"] for s in entry["schools"]] == ["57010004"]
    assert entry["teachers"] == 5 and entry["findings"] == "แก้ผล" and entry["suggestions"] == "ควรอ่านทุกวัน"
    assert w.query("SELECT uuid FROM activities WHERE id = 3") == uuid_before
    assert w("edit", "5", "--no-school", "--mode", "online").stdout.startswith("แก้ไขรายการที่ 5")
    assert w.query("SELECT mode FROM activities WHERE id = 5") == [("online",)]


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["3"], 2, ["ไม่ได้ระบุสิ่งที่จะแก้"]),
        (["99", "--title", "x"], 3, ["ไม่มีรายการที่ 99"]),
        (["3", "--title", " "], 2, ["ชื่อกิจกรรมว่าง"]),
        (["3", "--date", "2027-01-01"], 2, ["อนาคต"]),
        (["3", "--date", "31/2/2569"], 2, ["ไม่มีจริง"]),
        (["3", "--date", "2020-01-01"], 2, ["อยู่ก่อนปีการศึกษา"]),
        (["3", "--standard", "7.3", "--standard", "0.0"], 3, ["ไม่มีมาตรฐาน '0.0'"]),
        (["3", "--school", "ไม่มี"], 3, ["ไม่พบโรงเรียน"]),
        (["3", "--school", "ดอยงาม", "--no-school"], 2, ["--no-school"]),
        (["3", "--mode", "walk"], 2, ["รูปแบบ"]),
    ],
)
def test_edit_bad_input_changes_nothing(history, args, code, words):
    before = history.snapshot()
    result = history("edit", *args, ok=False)
    assert result.exit_code == code, result.output
    for word in words:
        assert word in result.stderr
    assert history.snapshot() == before


def test_edit_future_with_allow_future(history):
    assert history.json("edit", "5", "--date", "2026-12-01", "--allow-future")["date"] == "2026-12-01"


# --- delete ----------------------------------------------------------------------------------------------------------------


def test_delete_non_interactive_needs_yes(history):
    before = history.snapshot()
    result = history("delete", "3", input=None, ok=False)
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert history.snapshot() == before
    data = history.json("delete", "3", "--yes")
    assert data["id"] == 3
    assert history.query("SELECT count(*) FROM activities WHERE id = 3") == [(0,)]
    assert history.query("SELECT count(*) FROM activity_standards WHERE activity_id = 3") == [(0,)]
    assert history.query("SELECT count(*) FROM activity_schools WHERE activity_id = 3") == [(0,)]
    assert history.query("SELECT count(*) FROM activities") == [(4,)]
    result = history("delete", "3", "--yes", ok=False)
    assert result.exit_code == 3


def test_delete_asks_in_a_terminal(history, monkeypatch):
    from nitet_cli.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    before = history.snapshot()
    result = history("delete", "2", input="n\n", ok=False)
    assert result.exit_code == 1 and "นิเทศต้นปี" in result.output and "ไม่ได้ลบ" in result.output
    assert history.snapshot() == before
    history("delete", "2", input="y\n")
    assert history.query("SELECT count(*) FROM activities WHERE id = 2") == [(0,)]


def test_delete_keeps_files_other_entries_use(world, tmp_path):
    shared = photo(tmp_path, "shared.jpg", b"shared bytes")
    own = photo(tmp_path, "own.jpg", b"only entry one")
    world("log-visit", "-s", "ดอยงาม", "-t", "หนึ่ง", "-e", shared, "-e", own, "--link", "https://example.org/a")
    world("log-visit", "-s", "ดอยงาม", "-t", "สอง", "-e", shared)
    assert len(stored_files(world)) == 2
    data = world.json("delete", "1", "--yes")
    assert (data["evidence_rows"], data["files_removed"], data["files_kept"]) == (3, 1, 1)
    remaining = stored_files(world)
    assert [p.read_bytes() for p in remaining] == [b"shared bytes"]
    assert world.query("SELECT activity_id, original_name FROM evidence") == [(2, "shared.jpg")]
    world("delete", "2", "--yes")
    assert stored_files(world) == [] and world.query("SELECT count(*) FROM evidence") == [(0,)]


# --- staying light ------------------------------------------------------------------------------------------------------------


LIGHT_CHECK = """
import sys
from nitet_cli.cli import COMMANDS, app
try:
    app(sys.argv[1:], prog_name="nitet", standalone_mode=False)
finally:
    heavy = ("docx", "docxtpl", "PIL", "lxml", "xlsxwriter", "openpyxl", "jinja2", "pillow_heif", "yaml",
             "nitet_cli.editing", "nitet_cli.school_import")  # not recording nor reading an entry
    print("HEAVY=" + ",".join(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
    commands = sorted({m for m in COMMANDS.values() if f"nitet_cli.cli.{m}" in sys.modules})
    print("COMMANDS=" + ",".join(commands), file=sys.stderr)
    print("RICH=" + str("rich" in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "args",
    [
        ["log-visit", "--school", "ดอยงาม", "--title", "นิเทศ", "--date", "15/6/2569"],
        ["log", "1.2", "--title", "ประชุม"],
        ["list", "--search", "นิเทศ"],
        ["list", "--json"],
        ["show", "1"],
    ],
)
def test_recording_and_listing_stay_light(world, tmp_path, args):
    env = {**os.environ, "NITET_DB": str(world.db_path), "NITET_TODAY": "2026-11-24"}
    evidence = photo(tmp_path)
    if args[0] == "show":
        world("log", "1.2", "--title", "ประชุม")
    extra = ["--evidence", str(evidence)] if args[0] == "log-visit" else []
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", LIGHT_CHECK, *args, *extra],
        capture_output=True,
        env=env,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 0, err[-2000:]
    assert [line for line in err.splitlines() if line.startswith("HEAVY=")] == ["HEAVY="]
    imported = {
        line.split("|")[-1].strip().split(".")[0] for line in err.splitlines() if line.startswith("import time:")
    }
    assert not imported & {"docx", "docxtpl", "PIL", "jinja2", "openpyxl", "xlsxwriter", "yaml"}
    # Only the module of the command run (issue 13): none of report, exchange, manual, …
    module = "record" if args[0] in ("log", "log-visit") else "entries"
    assert [line for line in err.splitlines() if line.startswith("COMMANDS=")] == [f"COMMANDS={module}"]
    if args[0] in ("log", "log-visit"):  # recording prints plain lines: no rich either
        assert [line for line in err.splitlines() if line.startswith("RICH=")] == ["RICH=False"]
    if args[0] == "log-visit":  # it really recorded, evidence included
        assert world.json("show", "1")["evidence"][0]["size"] == evidence.stat().st_size


def test_visit_to_schools_of_two_groups_counts_for_both_standards(world):
    entry = visit(world, "-s", "โรงเรียนบ้านคู่", "-s", "ดอยงาม", "-t", "นิเทศร่วม")
    assert entry["standards"] == ["7.3", "8.3"]


def test_earliest_date_is_the_start_of_the_manuals_year(world):
    # The manual names no year: the academic year before the current one (2568) is still open.
    assert visit(world, "-s", "ดอยงาม", "-d", "16/5/2568", "-t", "x")["date"] == "2025-05-16"
    before = world.snapshot()
    result = world("log-visit", "-s", "ดอยงาม", "-d", "15/5/2568", "-t", "x", ok=False)
    assert result.exit_code == 2 and "ก่อนปีการศึกษา 2568" in result.stderr and "16 พฤษภาคม 2568" in result.stderr
    assert world.snapshot() == before
    # A manual that names its year (manual_meta 'year') moves the limit.
    import sqlite3

    conn = sqlite3.connect(world.db_path)
    with conn:
        conn.execute("INSERT INTO manual_meta (key, value) VALUES ('year', '2569')")
    conn.close()
    result = world("log-visit", "-s", "ดอยงาม", "-d", "2026-05-15", "-t", "x", ok=False)
    assert result.exit_code == 2 and "ก่อนปีการศึกษา 2569" in result.stderr
    assert visit(world, "-s", "ดอยงาม", "-d", "2026-05-16", "-t", "x")["date"] == "2026-05-16"


def test_an_edit_never_hands_an_entry_back_to_its_former_supervisor(initialised, monkeypatch):
    """An import that moves an entry to another supervisor while an edit is being checked (forced
    here in the gap between the edit's read and its transaction) is not undone by the edit."""
    from nitet_cli import follow_ups

    initialised("log", "1.2", "--title", "ประชุมวางแผน", "--kind", "meeting")
    conn = sqlite3.connect(initialised.db_path)
    conn.execute(
        "INSERT INTO supervisors (uuid, name, updated_at) VALUES ('other-uuid', 'นางสาวอื่น ใจดี', '2026-11-24T00:00:00+00:00')"
    )
    conn.commit()
    other = conn.execute("SELECT id FROM supervisors WHERE uuid = 'other-uuid'").fetchone()[0]
    real_check = follow_ups.check_visit_change

    def import_meanwhile(*args, **kwargs):
        conn.execute("UPDATE activities SET supervisor_id = ?", (other,))
        conn.commit()
        return real_check(*args, **kwargs)

    monkeypatch.setattr(follow_ups, "check_visit_change", import_meanwhile)
    initialised("edit", "1", "--title", "ประชุมวางแผนการนิเทศ")
    assert initialised.query("SELECT supervisor_id, title FROM activities") == [(other, "ประชุมวางแผนการนิเทศ")]
    conn.close()


@pytest.mark.parametrize(
    "school_groups, expected",
    [
        ('"บ้านคู่"', ["7.3"]),  # a text is the one group it names (targets.target_groups), as status reads it
        ("5", ["6.3", "7.3"]),  # neither a list nor text: names no group, so 7.3 covers every school like 6.3
        ('["บ้านคู่", 5, {"a": 1}]', ["7.3"]),  # a list with odd items still names บ้านคู่
        ("[]", ["6.3", "7.3"]),
        ("null", ["6.3", "7.3"]),
        ("[null]", ["6.3"]),  # a list names something, even if no school's group: not every school
    ],
)
def test_a_visits_standards_follow_the_targets_as_stored(world, school_groups, expected):
    """A hand-edited target reads as targets.visit_target reads it for every command: a text names
    that one group; school_groups that is neither a list nor text names no group; a list of
    anything (a number, an object, null) names something."""
    conn = sqlite3.connect(world.db_path)
    conn.execute(
        "UPDATE standards SET target = json_set(target, '$.school_groups', json(?)) WHERE id = '7.3'", (school_groups,)
    )
    conn.commit()
    conn.close()
    assert visit(world, "-s", "โรงเรียนบ้านคู่", "-t", "นิเทศ")["standards"] == expected


@pytest.mark.parametrize(
    "target, expected",
    [
        # A key twice: Python (status) reads the last, SQLite the first; log-visit must follow status.
        (
            '{"kind": "school_visits", "min_per_term": 2, "school_groups": ["บ้านคู่"], "school_groups": []}',
            ["6.3", "7.3"],
        ),
        ('{"kind": "school_visits", "min_per_term": 2, "school_groups": [], "school_groups": ["บ้านคู่"]}', ["7.3"]),
        ('{"kind": "school_visits", "kind": "x", "school_groups": ["บ้านคู่"]}', ["6.3"]),
        # JSON to Python, not to SQLite (Infinity): still a target for บ้านคู่.
        ('{"kind": "school_visits", "min_per_term": 2, "school_groups": ["บ้านคู่"], "x": Infinity}', ["7.3"]),
        # A name SQLite cannot hand back as text (a lone surrogate) does not stop the visit.
        ('{"kind": "school_visits", "min_per_term": 2, "school_groups": ["\\ud800"]}', ["6.3"]),
    ],
)
def test_a_visits_standards_read_a_hand_edited_target_as_status_does(world, target, expected):
    """Targets SQLite's JSON functions would read otherwise than Python's json (a key twice,
    NaN/Infinity, a lone surrogate) are read as status reads them, so log-visit links the
    standards status counts."""
    conn = sqlite3.connect(world.db_path)
    conn.execute("UPDATE standards SET target = ? WHERE id = '7.3'", (target,))
    conn.commit()
    conn.close()
    assert visit(world, "-s", "โรงเรียนบ้านคู่", "-t", "นิเทศ")["standards"] == expected
