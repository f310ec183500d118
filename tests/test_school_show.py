"""Issue 10, part 4: `nitet school show SCHOOL [--json]` — one school's history: every entry
naming it, its follow-ups with their results, and its visits per term against each visit
target that covers it, counted as `status` counts them."""

from __future__ import annotations

import pytest
from conftest import with_schools

SCHOOLS_CSV = (
    "code,name,group,district\n"
    "0157010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
    "57010003,โรงเรียนบ้านสันทราย,ริมกก,เมืองเชียงราย\n"
    "57010004,โรงเรียนบ้านคู่ใต้,บ้านคู่,เมืองเชียงราย\n"
)
BAN_KHU = "0157010001"
# NITET_TODAY is 2026-11-24 (conftest): term 2/2569 began on 1 November.


@pytest.fixture
def world(initialised, tmp_path):
    with_schools(initialised, tmp_path, SCHOOLS_CSV)
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8\xff a photo")
    w = initialised
    w(
        "log-visit",
        "-s",
        BAN_KHU,
        "-t",
        "นิเทศการอ่าน ภาคเรียนที่ ๑",
        "--date",
        "15/6/2569",
        "--findings",
        "อ่านคล่อง ๘๐%",
        "--suggestions",
        "ควรเพิ่มเวลาอ่าน",
        "--follow-up",
        "เพิ่มเวลาอ่าน ๑๕ นาที",
        "-e",
        photo,
        "--link",
        "https://drive.google.com/x",
    )
    w(
        "log-visit",
        "-s",
        BAN_KHU,
        "-s",
        "ดอยงาม",
        "-t",
        "[red]นิเทศ[/red] ภาคเรียนที่ ๒",
        "--date",
        "2/11/2569",
        "--findings",
        "[bold]ดี[/bold]",
        "--close-follow-up",
        "1:เพิ่มแล้วทุกเช้า",
        "--follow-up",
        "จัดมุมรักการอ่าน",
        "--check-by",
        "30/11/2569",
    )
    w("log", "1.2", "--kind", "meeting", "-t", "ประชุมครูโรงเรียนบ้านคู่", "-s", BAN_KHU, "--date", "10/11/2569")
    w("log-visit", "-s", "บ้านคู่ใต้", "-t", "นิเทศโรงเรียนอื่น", "--date", "3/11/2569")
    return w  # fmt: skip


def test_history_of_a_school(world):
    shown = world.json("school", "show", "โรงเรียนบ้านคู่")
    assert shown["school"] == {"code": BAN_KHU, "name": "โรงเรียนบ้านคู่", "group": "บ้านคู่", "district": "เมืองเชียงราย"}
    entries = shown["entries"]
    assert [(e["id"], e["date"], e["kind"]) for e in entries] == [
        (3, "2026-11-10", "meeting"),
        (2, "2026-11-02", "visit"),
        (1, "2026-06-15", "visit"),
    ]  # newest first; the other school's visit is not here
    first = entries[-1]
    assert first["supervisor"] == "นายรณชัย สิงห์คำ" and first["standards"] == ["7.3"]
    assert (first["findings"], first["suggestions"], first["evidence"]) == ("อ่านคล่อง ๘๐%", "ควรเพิ่มเวลาอ่าน", 2)
    assert [(f["id"], f["text"], f["status"], f["result"], f["closed_on"]) for f in shown["follow_ups"]] == [
        (1, "เพิ่มเวลาอ่าน ๑๕ นาที", "done", "เพิ่มแล้วทุกเช้า", "2026-11-02"),
        (2, "จัดมุมรักการอ่าน", "open", "", None),
    ]  # item 3 is ดอยงาม's
    assert shown["follow_up_counts"] == {"open": 1, "done": 1, "partly": 0, "not_done": 0, "total": 2}
    terms = [(t["year"], t["term"], t["entries"], t["last_date"], t["current"]) for t in shown["terms"]]
    assert terms == [(2569, 1, 1, "2026-06-15", False), (2569, 2, 2, "2026-11-10", True)]
    assert {t["standard"] for t in shown["terms"][1]["targets"]} == {"6.3", "7.3"}  # บ้านคู่: the office's and its group's
    seven = {(t["year"], t["term"]): x for t in shown["terms"] for x in t["targets"] if x["standard"] == "7.3"}
    assert (seven[(2569, 1)]["visits"], seven[(2569, 1)]["target"], seven[(2569, 1)]["met"]) == (1, 2, False)
    assert seven[(2569, 1)]["mark"] == "ขาดอีก 1 ครั้ง"


def test_targets_are_counted_as_status_counts_them(world):
    """school show asks progress.py, as status does: its rows equal status --json's for the term."""
    for term in ("1", "2"):
        status = world.json("status", "--year", "2569", "--term", term)
        expected = {
            r["standard"]: (r["visits"], r["target"], r["met"]) for r in status["schools"] if r["code"] == BAN_KHU
        }
        shown = world.json("school", "show", BAN_KHU)
        [t] = [t for t in shown["terms"] if t["term"] == int(term)]
        assert {x["standard"]: (x["visits"], x["target"], x["met"]) for x in t["targets"]} == expected
        assert expected  # the school is under targets in both terms


def test_a_school_never_visited(world):
    shown = world.json("school", "show", "สันทราย")
    assert shown["entries"] == [] and shown["follow_ups"] == []
    [term] = shown["terms"]  # only the current term
    assert (term["year"], term["term"], term["entries"], term["current"]) == (2569, 2, 0, True)
    assert [(x["standard"], x["visits"], x["mark"]) for x in term["targets"]] == [("6.3", 0, "ยังไม่ได้นิเทศ")]
    out = world("school", "show", "สันทราย").stdout
    assert "ยังไม่มี" in out and "ยังไม่ได้นิเทศ" in out


def test_table_output_in_be_dates_and_user_text_never_markup(world):
    out = world("school", "show", BAN_KHU, env={"COLUMNS": "200"}).stdout
    assert "โรงเรียนบ้านคู่ (0157010001) กลุ่ม บ้านคู่" in out
    assert "[red]นิเทศ[/red] ภาคเรียนที่ ๒" in out and "ผลการนิเทศ: [bold]ดี[/bold]" in out
    assert "15 มิถุนายน 2569" in out and "2 พ.ย. 2569" in out and "2026" not in out
    assert "หลักฐาน: 2 ชิ้น" in out and "เพิ่มแล้วทุกเช้า" in out and "ดำเนินการแล้ว" in out
    assert "2/2569 (ปัจจุบัน)" in out and "ขาดอีก 1 ครั้ง" in out


@pytest.mark.parametrize("school, code, words", [("ไม่มีโรงเรียนนี้", 3, "ไม่พบโรงเรียน"), ("บ้านคู", 2, "ตรงกับหลายโรงเรียน")])
def test_unknown_or_ambiguous_school(world, school, code, words):
    result = world("school", "show", school, ok=False)
    assert result.exit_code == code and words in result.stderr and "Traceback" not in result.output
