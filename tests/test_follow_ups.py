"""Issue 10, part 2: follow-ups (ข้อเสนอแนะที่ต้องติดตาม) through the CLI — given at a visit
(one item per suggestion and school), listed, closed with a result (by `follow-up close` or
at the next visit with `log-visit --close-follow-up`), shown at the next visit in a terminal;
every bad input refused with one Thai sentence and nothing written."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from conftest import visit, with_schools

SCHOOLS_CSV = (
    "code,name,group,district\n"
    "0157010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
    "57010003,โรงเรียนบ้านสันทราย,ริมกก,เมืองเชียงราย\n"
)
BAN_KHU, DOI_NGAM, SAN_SAI = "0157010001", "57010002", "57010003"
# NITET_TODAY is 2026-11-24 (conftest): term 2/2569 began on 1 November.


@pytest.fixture
def world(initialised, tmp_path):
    return with_schools(initialised, tmp_path, SCHOOLS_CSV)


def items(nitet, *args) -> list[dict]:
    return nitet.json("follow-up", "list", *args)


def refused(nitet, args, code: int, words: str):
    """Run a command that must be refused: exit ``code``, a Thai sentence, nothing written."""
    before = nitet.snapshot()
    result = nitet(*args, ok=False)
    assert result.exit_code == code, result.output
    assert "ข้อผิดพลาด:" in result.stderr and words in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert nitet.snapshot() == before
    return result


# --- given at a visit ------------------------------------------------------------------------------


def test_each_follow_up_is_an_item_of_each_school_of_the_visit(world):
    result = visit(
        world, "-s", BAN_KHU, "-s", DOI_NGAM, "--date", "2/11/2569",
        "--suggestions", "ภาพรวมดี ควรพัฒนาการอ่าน",
        "--follow-up", "จัดมุมรักการอ่าน", "--follow-up", "เพิ่มเวลาอ่าน ๑๕ นาที", "--check-by", "๓๐/๑๑/๒๕๖๙",
    )  # fmt: skip
    assert result.stdout.splitlines()[0] == "1"  # scripts read the new id from the first line
    got = items(world)
    assert sorted((i["school_code"], i["text"]) for i in got) == [
        (BAN_KHU, "จัดมุมรักการอ่าน"),
        (BAN_KHU, "เพิ่มเวลาอ่าน ๑๕ นาที"),
        (DOI_NGAM, "จัดมุมรักการอ่าน"),
        (DOI_NGAM, "เพิ่มเวลาอ่าน ๑๕ นาที"),
    ]
    for item in got:
        assert item["activity_id"] == 1
        assert (item["given_on"], item["check_by"], item["due_on"]) == ("2026-11-02", "2026-11-30", "2026-11-30")
        assert (item["status"], item["result"], item["closed_on"], item["overdue"]) == ("open", "", None, False)
    assert len({i["uuid"] for i in got}) == 4
    # --suggestions stays the visit's narrative text
    shown = world.json("show", "1")
    assert shown["suggestions"] == "ภาพรวมดี ควรพัฒนาการอ่าน"
    assert [i["id"] for i in shown["follow_ups"]] == [1, 2, 3, 4]


def test_log_visit_json_carries_the_follow_ups(world):
    entry = world.json("log-visit", "-s", SAN_SAI, "--title", "นิเทศ", "--follow-up", "ทำแผนนิเทศภายใน")
    assert [(i["school_code"], i["text"], i["check_by"]) for i in entry["follow_ups"]] == [
        (SAN_SAI, "ทำแผนนิเทศภายใน", None)
    ]
    assert entry["open_follow_ups"] == [] and entry["closed_follow_ups"] == []


def test_check_by_before_the_visit_is_refused(world, tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"\xff\xd8\xff photo")
    refused(
        world,
        ["log-visit", "-s", BAN_KHU, "-t", "นิเทศ", "--date", "20/11/2569", "--follow-up", "x", "--check-by", "19/11/2569",
         "--evidence", photo],
        2,
        "อยู่ก่อนวันที่นิเทศ",
    )  # fmt: skip
    store = world.db_path.with_name("nitet-evidence")
    assert not [p for p in store.rglob("*") if p.is_file()]  # the evidence store is unchanged too
    # the visit's own day is allowed
    visit(world, "-s", BAN_KHU, "--date", "20/11/2569", "--follow-up", "x", "--check-by", "2026-11-20")
    assert items(world)[0]["check_by"] == "2026-11-20"


@pytest.mark.parametrize(
    "args, words",
    [
        (["--check-by", "30/11/2569"], "--check-by ใช้กับ --follow-up"),
        (["--follow-up", "  "], "ข้อเสนอแนะที่ต้องติดตามว่าง"),
        (["--follow-up", "x", "--check-by", "31/11/2569"], "ไม่มีจริง"),
        (["--follow-up", "x", "--check-by", "soon"], "อ่านวันที่ 'soon' ไม่ได้"),
    ],
)
def test_bad_follow_up_input_is_refused(world, args, words):
    refused(world, ["log-visit", "-s", BAN_KHU, "-t", "นิเทศ", *args], 2, words)


# --- due, overdue ----------------------------------------------------------------------------------


def test_without_check_by_it_is_due_at_the_next_visit(world):
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "จัดมุมรักการอ่าน")
    [item] = items(world)
    assert (item["check_by"], item["due_on"], item["due_at_next_visit"], item["overdue"]) == (None, None, True, False)
    assert items(world, "--overdue") == []
    visit(world, "-s", DOI_NGAM, "--date", "5/11/2569")  # another school: not the next visit of this one
    assert items(world)[0]["due_on"] is None
    visit(world, "-s", BAN_KHU, "--date", "10/11/2569")  # checked at that visit, but not closed
    [item] = items(world, "--overdue")
    assert (item["due_on"], item["overdue"]) == ("2026-11-10", True)


def test_overdue_after_the_check_by_day_only(world):
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "เลยกำหนด", "--check-by", "23/11/2569")
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "วันนี้", "--check-by", "24/11/2569")
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "ยังไม่ถึง", "--check-by", "1/12/2569")
    assert [i["text"] for i in items(world, "--overdue")] == ["เลยกำหนด"]
    assert [i["text"] for i in items(world)] == ["เลยกำหนด", "วันนี้", "ยังไม่ถึง"]  # most urgent first


# --- closing ---------------------------------------------------------------------------------------


def test_close_with_a_result(world):
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "ก", "--follow-up", "ข", "--follow-up", "ค")
    result = world("follow-up", "close", "1", "--result", "จัดมุมแล้ว")
    assert "ปิดข้อเสนอแนะที่ 1" in result.stdout and "ดำเนินการแล้ว" in result.stdout
    world("follow-up", "close", "2", "--result", "ทำได้ครึ่งหนึ่ง", "--status", "partly", "--date", "20/11/2569")
    closed = world.json("follow-up", "close", "3", "--result", "ยังไม่ได้ทำ", "--status", "not-done")
    assert closed["status"] == "not_done" and closed["status_label"] == "ยังไม่ได้ดำเนินการ"
    got = {i["id"]: (i["status"], i["result"], i["closed_on"]) for i in items(world, "--all")}
    assert got == {
        1: ("done", "จัดมุมแล้ว", "2026-11-24"),
        2: ("partly", "ทำได้ครึ่งหนึ่ง", "2026-11-20"),
        3: ("not_done", "ยังไม่ได้ทำ", "2026-11-24"),
    }
    assert items(world) == []


def test_close_refusals_write_nothing(world):
    visit(world, "-s", BAN_KHU, "--date", "10/11/2569", "--follow-up", "ก")
    refused(world, ["follow-up", "close", "99", "--result", "x"], 3, "ไม่มีข้อเสนอแนะที่ต้องติดตามหมายเลข 99")
    refused(world, ["follow-up", "close", "1", "--result", "x", "--status", "finished"], 2, "สถานะ 'finished' ไม่มี")
    refused(world, ["follow-up", "close", "1", "--result", "  "], 2, "ผลการติดตามว่าง")
    refused(world, ["follow-up", "close", "1", "--result", "x", "--date", "9/11/2569"], 2, "ปิดก่อนวันนั้น")
    refused(world, ["follow-up", "close", "1", "--result", "x", "--date", "25/11/2569"], 2, "อยู่ในอนาคต")
    world("follow-up", "close", "1", "--result", "ทำแล้ว")
    refused(world, ["follow-up", "close", "1", "--result", "อีกครั้ง"], 2, "ปิดไปแล้วเมื่อ 24 พฤศจิกายน 2569")
    assert world.query("SELECT status, result FROM follow_ups") == [("done", "ทำแล้ว")]


def test_close_at_the_next_visit_in_the_same_transaction(world):
    visit(world, "-s", BAN_KHU, "-s", DOI_NGAM, "--date", "2/11/2569", "--follow-up", "ก", "--follow-up", "ข")
    # items: 1 ก บ้านคู่, 2 ก ดอยงาม, 3 ข บ้านคู่, 4 ข ดอยงาม
    result = visit(world, "-s", BAN_KHU, "--date", "20/11/2569", "--close-follow-up", "1:ทำแล้ว: มีมุมหนังสือ ๒ มุม",
                   "--close-follow-up", "๓")  # fmt: skip
    assert result.stdout.splitlines()[0] == "2"
    got = {i["id"]: (i["status"], i["result"], i["closed_on"]) for i in items(world, "--all")}
    assert got[1] == ("done", "ทำแล้ว: มีมุมหนังสือ ๒ มุม", "2026-11-20")  # the visit's date; colons kept in the result
    assert got[3] == ("done", "", "2026-11-20")
    assert got[2][0] == got[4][0] == "open"


@pytest.mark.parametrize(
    "spec, code, words",
    [
        ("2", 2, "ไม่ใช่โรงเรียนของการนิเทศนี้"),  # an item of another school
        ("1", 2, "ปิดไปแล้ว"),  # already closed
        ("99", 3, "หมายเลข 99"),
        ("abc:done", 2, "--close-follow-up ต้องเป็นหมายเลข"),
    ],
)
def test_close_follow_up_refusals_record_no_visit(world, spec, code, words):
    visit(world, "-s", BAN_KHU, "-s", DOI_NGAM, "--date", "2/11/2569", "--follow-up", "ก")
    world("follow-up", "close", "1", "--result", "ทำแล้ว")
    refused(
        world, ["log-visit", "-s", BAN_KHU, "-t", "ติดตาม", "--follow-up", "ใหม่", "--close-follow-up", spec], code, words
    )
    assert world.query("SELECT count(*) FROM activities") == [(1,)]


def test_close_follow_up_before_it_was_given_is_refused(world):
    visit(world, "-s", BAN_KHU, "--date", "10/11/2569", "--follow-up", "ก")
    refused(
        world, ["log-visit", "-s", BAN_KHU, "-t", "x", "--date", "5/11/2569", "--close-follow-up", "1"], 2, "ปิดก่อนวันนั้น"
    )


def test_closed_meanwhile_by_another_run_refuses_the_visit(world, monkeypatch):
    """Forced interleaving: the item is closed by another connection after log-visit checked it
    and before its transaction; the visit is refused whole (no entry, the other result kept)."""
    from nitet_cli import activities

    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "ก")
    real = activities._staging  # between the checks and the write transaction, files or none

    def close_meanwhile(conn, db_path, items):
        other = sqlite3.connect(world.db_path)
        other.execute("UPDATE follow_ups SET status = 'partly', result = 'อีกคน', closed_on = '2026-11-21' WHERE id = 1")
        other.commit()
        other.close()
        return real(conn, db_path, items)

    monkeypatch.setattr(activities, "_staging", close_meanwhile)
    result = visit(world, "-s", BAN_KHU, "--close-follow-up", "1:ของฉัน", ok=False)
    assert result.exit_code == 2 and "ปิดไปแล้ว" in result.stderr
    assert world.query("SELECT count(*) FROM activities") == [(1,)]
    assert world.query("SELECT status, result FROM follow_ups") == [("partly", "อีกคน")]


# --- at the next visit, in a terminal --------------------------------------------------------------


def test_a_visit_in_a_terminal_shows_the_schools_open_follow_ups(world, monkeypatch):
    from nitet_cli.cli import common

    visit(
        world,
        "-s",
        BAN_KHU,
        "--date",
        "2/11/2569",
        "--follow-up",
        "จัดมุม [red]รักการอ่าน[/red]",
        "--check-by",
        "10/11/2569",
    )
    visit(world, "-s", BAN_KHU, "--date", "3/11/2569", "--follow-up", "ปิดแล้ว")
    visit(world, "-s", DOI_NGAM, "--date", "3/11/2569", "--follow-up", "ของโรงเรียนอื่น")
    world("follow-up", "close", "2", "--result", "ทำแล้ว")
    quiet_run = visit(world, "-s", BAN_KHU, "--date", "20/11/2569")  # not a terminal: nothing about follow-ups
    assert "ข้อเสนอแนะที่ยังต้องติดตาม" not in quiet_run.output

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    result = visit(world, "-s", BAN_KHU, "--follow-up", "ของการนิเทศนี้")
    assert result.stdout.splitlines()[0] == "5"
    err = result.stderr
    assert "ข้อเสนอแนะที่ยังต้องติดตามของโรงเรียนนี้ 1 รายการ" in err
    assert "#1 โรงเรียนบ้านคู่" in err and "จัดมุม [red]รักการอ่าน[/red]" in err and "เลยกำหนด" in err
    assert 'nitet follow-up close 1 --result "…"' in err
    assert "ปิดแล้ว" not in err and "ของโรงเรียนอื่น" not in err and "#6" not in err


# --- listing ---------------------------------------------------------------------------------------


def test_list_filters(world):
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "ก", "--check-by", "3/11/2569")
    visit(world, "-s", DOI_NGAM, "--date", "2/11/2569", "--follow-up", "ข")
    world("follow-up", "close", "2", "--result", "ทำแล้ว")
    assert [i["id"] for i in items(world, "--school", "ดอยงาม")] == []
    assert [i["id"] for i in items(world, "--school", "ดอยงาม", "--all")] == [2]
    assert [i["id"] for i in items(world, "--overdue")] == [1]
    assert [i["id"] for i in items(world, "--all")] == [1, 2]
    assert [i["id"] for i in items(world, "--open")] == [1]
    refused(world, ["follow-up", "list", "--open", "--all"], 2, "เลือกได้อย่างเดียว")
    refused(world, ["follow-up", "list", "--school", "ไม่มีโรงเรียนนี้"], 3, "ไม่พบโรงเรียน")


def test_list_table_in_be_dates_and_user_text_never_markup(world):
    visit(
        world,
        "-s",
        BAN_KHU,
        "--date",
        "2/11/2569",
        "--follow-up",
        "[bold red]ตัวหนา[/bold red] [link=x]",
        "--check-by",
        "30/11/2569",
    )
    world("follow-up", "close", "1", "--result", "[/] ผล [blink]", "--date", "20/11/2569")
    out = world("follow-up", "list", "--all", env={"COLUMNS": "250"}).stdout
    assert "[bold red]ตัวหนา[/bold red] [link=x]" in out and "[/] ผล [blink]" in out
    assert "2 พ.ย. 2569" in out and "30 พ.ย. 2569" in out and "20 พ.ย. 2569" in out
    assert "ดำเนินการแล้ว" in out and "2026" not in out
    assert world("follow-up", "list").stdout.strip() == "ไม่มีข้อเสนอแนะที่ยังต้องติดตาม"


# --- the visit changes -----------------------------------------------------------------------------


def test_deleting_a_visit_deletes_its_follow_ups(world):
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "ก")
    world("delete", "1", "--yes")
    assert world.query("SELECT count(*) FROM follow_ups") == [(0,)]


def test_editing_a_visit_keeps_its_follow_ups_true(world):
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "ก", "--check-by", "15/11/2569")
    world("edit", "1", "--date", "4/11/2569")
    assert world.query("SELECT given_on FROM follow_ups") == [("2026-11-04",)]
    refused(world, ["edit", "1", "--date", "16/11/2569"], 2, "ต้องติดตามภายใน 15 พฤศจิกายน 2569")
    world("edit", "1", "--school", DOI_NGAM)  # one school for another: a typing mistake corrected
    assert world.query("SELECT school_code FROM follow_ups") == [(DOI_NGAM,)]
    world("edit", "1", "--school", DOI_NGAM, "--school", SAN_SAI)
    refused(world, ["edit", "1", "--school", SAN_SAI], 2, f"ของโรงเรียน {DOI_NGAM} ที่จะถูกเอาออก")


# --- the service, for `due` and the report ---------------------------------------------------------


def test_service_due_within_per_term_and_counts(world):
    from nitet_cli.db import connect
    from nitet_cli.follow_ups import list_follow_ups, status_counts

    world("log-visit", "-s", BAN_KHU, "-t", "ภาคเรียนที่ ๑", "--date", "15/6/2569", "--follow-up", "เก่า")
    visit(world, "-s", BAN_KHU, "--date", "2/11/2569", "--follow-up", "ภายใน ๗ วัน", "--check-by", "1/12/2569")
    visit(world, "-s", DOI_NGAM, "--date", "2/11/2569", "--follow-up", "ภายใน ๒๐ วัน", "--check-by", "14/12/2569")
    world("follow-up", "close", "1", "--result", "ทำแล้ว", "--status", "partly")
    conn = connect(world.db_path)
    try:
        today = date(2026, 11, 24)
        soon = list_follow_ups(conn, which="due_within", today=today, within_days=14)
        assert [i["text"] for i in soon] == ["ภายใน ๗ วัน"]
        term2 = list_follow_ups(conn, which="all", today=today, start=date(2026, 11, 1), end=date(2027, 5, 15))
        assert [i["text"] for i in term2] == ["ภายใน ๗ วัน", "ภายใน ๒๐ วัน"]
        assert [i["text"] for i in list_follow_ups(conn, which="closed", today=today)] == ["เก่า"]
        assert status_counts(conn, start=date(2026, 5, 16), end=date(2026, 10, 31)) == {
            "open": 0, "done": 0, "partly": 1, "not_done": 0, "total": 1,
        }  # fmt: skip
        assert status_counts(conn)["open"] == 2
    finally:
        conn.close()


# --- the README's example works as written ---------------------------------------------------------


def test_the_readme_follow_up_example_runs_as_written(world):
    """Each `$ nitet …` line of the README's follow-up example, in order, exits 0 (a newcomer copies them)."""
    import re
    import shlex

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### The supervision cycle", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands, current = [], ""
    for line in block.splitlines():
        line = re.sub(r"\s+#.*$", "", line)  # a comment after the command
        if line.startswith("$ nitet "):
            current = line[len("$ nitet ") :]
        elif current:
            current += " " + line.strip()
        else:
            continue
        if current.endswith("\\"):
            current = current[:-1]
            continue
        commands.append(shlex.split(current))
        current = ""
    assert len(commands) >= 4
    for args in commands:
        world(*args)  # ok=True: exit 0, else the failure shows the command
    assert [i["status"] for i in items(world, "--all")].count("done") >= 3
