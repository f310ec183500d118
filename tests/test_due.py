"""Issue 10, part 3: ``nitet due`` — the schools below a visit target (the very rows of
``status``), the follow-ups overdue (the very items of ``follow-up list --overdue``) and due
within 14 days, the pace still needed, most urgent first; ``--fail-on-overdue`` for cron;
bad input refused with one Thai sentence and nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import visit, with_schools

from nitet_cli.due import school_days

SCHOOLS_CSV = (
    "code,name,group,district\n"
    "57010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
    "57010003,โรงเรียนบ้านสันทราย,ริมกก,เมืองเชียงราย\n"
    "57010004,โรงเรียนบ้าน[red]ห้วย[/red],บ้านคู่,เมืองเชียงราย\n"
    "57010005,โรงเรียนบ้านป่าซาง,ริมกก,เมืองเชียงราย\n"
)
BAN_KHU, DOI_NGAM, SAN_SAI, HUAI, PA_SANG = "57010001", "57010002", "57010003", "57010004", "57010005"
TODAY = date(2026, 11, 24)  # NITET_TODAY (conftest): term 2/2569, 1 Nov 2026 – 15 May 2027 by default
TERM_END = date(2027, 5, 15)


@pytest.fixture
def world(initialised, tmp_path):
    return with_schools(initialised, tmp_path, SCHOOLS_CSV)


def weekdays(first: date, last: date) -> int:
    """The test's own count of Monday–Friday days, one day at a time."""
    count, day = 0, first
    while day <= last:
        count += day.weekday() < 5
        day += timedelta(days=1)
    return count


@pytest.fixture
def busy(world):
    """A term in progress: ป่าซาง met every target covering it, บ้านคู่ is one 7.3 visit short,
    สันทราย was visited last term only, ดอยงาม and ห้วย never; follow-ups overdue, due soon
    and due later."""
    # two visits: met 6.3 (the only target covering ริมกก); the first one's item is due at the second
    visit(world, "-s", PA_SANG, "--date", "2026-11-03", "--standard", "6.3", "--follow-up", "ทำ PLC")
    visit(world, "-s", PA_SANG, "--date", "2026-11-17", "--standard", "6.3")
    visit(
        world, "-s", BAN_KHU, "--date", "2026-11-10", "--follow-up", "จัดมุม[bold]อ่าน[/bold]", "--check-by", "2026-11-20"
    )
    visit(world, "-s", SAN_SAI, "--date", "2026-09-01", "--standard", "6.3")  # last term
    visit(
        world,
        "-s",
        PA_SANG,
        "--date",
        "2026-11-18",
        "--standard",
        "6.3",
        "--follow-up",
        "บันทึกหลังสอน",
        "--check-by",
        "2026-12-08",
    )
    visit(
        world,
        "-s",
        PA_SANG,
        "--date",
        "2026-11-19",
        "--standard",
        "6.3",
        "--follow-up",
        "แผนพัฒนาผู้เรียน",
        "--check-by",
        "2026-12-09",
    )
    return world


def test_school_days_are_the_weekdays_of_the_range():
    start = date(2026, 10, 26)
    for offset in range(14):
        for length in range(-1, 40):
            first = start + timedelta(days=offset)
            last = first + timedelta(days=length)
            assert school_days(first, last) == weekdays(first, last), (first, last)


def test_schools_behind_most_urgent_first(busy):
    data = busy.json("due")
    assert data["today"] == TODAY.isoformat() and (data["term"]["year"], data["term"]["term"]) == (2569, 2)
    days = weekdays(TODAY, TERM_END)
    assert data["school_days_left"] == days and data["weeks_left"] == days / 5
    codes = [s["code"] for s in data["schools"]]
    # no visit this term first (never visited before the one seen last term), then the one with visits
    assert codes == [HUAI, DOI_NGAM, SAN_SAI, BAN_KHU]  # then by group and name
    assert PA_SANG not in codes  # met every target that covers it: not listed
    by_code = {s["code"]: s for s in data["schools"]}
    doi = by_code[DOI_NGAM]
    assert doi["visited_this_term"] is False and doi["last_visit"] is None and doi["days_since"] is None
    assert {(t["standard"], t["visits"], t["target"], t["needed"]) for t in doi["targets"]} == {
        ("6.3", 0, 2, 2),
        ("8.3", 0, 2, 2),
    }
    san = by_code[SAN_SAI]
    assert (san["visited_this_term"], san["last_visit"], san["days_since"]) == (
        False,
        "2026-09-01",
        (TODAY - date(2026, 9, 1)).days,
    )
    khu = by_code[BAN_KHU]
    assert (khu["visited_this_term"], khu["last_visit"], khu["days_since"]) == (True, "2026-11-10", 14)
    seven = [t for t in khu["targets"] if t["standard"] == "7.3"]
    assert seven == [{"standard": "7.3", "visits": 1, "target": 2, "needed": 1}]
    for school in data["schools"]:
        # one visit under the school's group standard also counts for 6.3: the most any target needs
        assert school["needed"] == max(t["needed"] for t in school["targets"])
        assert school["per_week"] == pytest.approx(school["needed"] / (days / 5))
    summary = data["summary"]
    needed = sum(s["needed"] for s in data["schools"])
    assert summary == {
        "schools_behind": 4,
        "schools_not_visited": 3,
        "visits_needed": needed,
        "weeks_left": days / 5,
        "per_week": pytest.approx(needed / (days / 5)),
        "overdue": 2,
        "due_soon": 1,
    }


def test_schools_agree_with_status_json(busy):
    """Every school row status --json marks as not met, and nothing else, is in due — for the
    current term and for another one."""
    for term in ([], ["--term", "1", "--year", "2569"]):
        status = busy.json("status", *term)
        expected = sorted(
            (r["code"], r["standard"], r["visits"], r["target"]) for r in status["schools"] if not r["met"]
        )
        data = busy.json("due", *term)
        got = sorted(
            (s["code"], t["standard"], t["visits"], t["target"]) for s in data["schools"] for t in s["targets"]
        )
        assert got == expected and got
        assert data["summary"]["schools_behind"] == len({row[0] for row in expected})


def test_follow_ups_agree_with_follow_up_list(busy):
    data = busy.json("due")
    overdue = busy.json("follow-up", "list", "--overdue")
    assert [i["id"] for i in data["overdue"]] == [i["id"] for i in overdue]
    assert {i["text"] for i in data["overdue"]} == {"จัดมุม[bold]อ่าน[/bold]", "ทำ PLC"}  # by check-by; at the next visit
    assert all(i["overdue"] for i in data["overdue"])
    # due within 14 days: 8 Dec is 14 days from 24 Nov, 9 Dec is 15
    assert [i["text"] for i in data["due_soon"]] == ["บันทึกหลังสอน"] and data["within_days"] == 14
    # closing one takes it off the list
    busy("follow-up", "close", str(data["overdue"][0]["id"]), "--result", "ทำแล้ว")
    again = busy.json("due")
    assert [i["id"] for i in again["overdue"]] == [i["id"] for i in busy.json("follow-up", "list", "--overdue")]
    assert len(again["overdue"]) == 1


def test_fail_on_overdue_for_cron(busy):
    result = busy("due", "--fail-on-overdue", ok=False)
    assert result.exit_code == 1 and "ข้อเสนอแนะที่เลยกำหนดติดตาม 2 รายการ" in result.stdout
    assert busy("due", ok=False).exit_code == 0  # without the option: 0 even with items overdue
    for item in busy.json("follow-up", "list", "--overdue"):
        busy("follow-up", "close", str(item["id"]), "--result", "ตรวจแล้ว", "--status", "partly")
    assert busy("due", "--fail-on-overdue").exit_code == 0  # schools still behind: not a failure of this option


def test_text_in_be_dates_most_urgent_first_and_never_markup(busy):
    out = busy("due").stdout
    lines = out.splitlines()
    assert lines[0].startswith("สิ่งที่ต้องทำ ภาคเรียนที่ 2/2569 (1 พ.ย. 2569 – 15 พ.ค. 2570")
    assert "วันนี้ 24 พ.ย. 2569" in lines[0]
    schools = [line for line in lines if line.startswith("  5701")]
    assert [line.split()[0] for line in schools] == [HUAI, DOI_NGAM, SAN_SAI, BAN_KHU]
    assert "โรงเรียนบ้าน[red]ห้วย[/red]" in out and "จัดมุม[bold]อ่าน[/bold]" in out  # user text stays text
    assert "ครั้งล่าสุด 1 ก.ย. 2569 (84 วันก่อน)" in out and "ยังไม่เคยนิเทศ" in out
    assert "ครั้งล่าสุด 10 พ.ย. 2569 (14 วันก่อน)" in out
    assert "ติดตามภายใน 20 พ.ย. 2569 [เลยกำหนด 4 วัน]" in out
    assert "ข้อเสนอแนะที่ครบกำหนดติดตามใน 14 วัน 1 รายการ" in out and "[อีก 14 วัน]" in out
    assert lines[-1].startswith("สรุป: ยังไม่ถึงเป้าหมาย 4 โรง ต้องนิเทศอีก ")
    assert "สัปดาห์ละ" in lines[-1] and "ข้อเสนอแนะเลยกำหนด 2 รายการ" in lines[-1]


def test_a_term_that_is_over_needs_no_pace(busy):
    data = busy.json("due", "--term", "1", "--year", "2569")
    assert data["weeks_left"] == 0 and data["school_days_left"] == 0
    assert data["summary"]["per_week"] is None and all(s["per_week"] is None for s in data["schools"])
    san = next(s for s in data["schools"] if s["code"] == SAN_SAI)
    assert san["visited_this_term"] is True and san["last_visit"] == "2026-09-01"
    out = busy("due", "--term", "1", "--year", "2569").stdout
    assert "ภาคเรียนสิ้นสุดแล้ว" in out.splitlines()[0] and "(ภาคเรียนสิ้นสุดแล้ว)" in out.splitlines()[-1]


def test_nothing_due(world):
    for code in (BAN_KHU, HUAI):
        for day in ("2026-11-02", "2026-11-09"):
            visit(world, "-s", code, "--date", day, "--standard", "6.3", "--standard", "7.3")
    for code in (SAN_SAI, PA_SANG):
        for day in ("2026-11-03", "2026-11-10"):
            visit(world, "-s", code, "--date", day, "--standard", "6.3")
    for day in ("2026-11-04", "2026-11-11"):
        visit(world, "-s", DOI_NGAM, "--date", day, "--standard", "6.3", "--standard", "8.3")
    data = world.json("due")
    assert data["schools"] == [] and data["overdue"] == [] and data["due_soon"] == []
    assert data["summary"]["schools_behind"] == 0 and data["summary"]["visits_needed"] == 0
    out = world("due", "--fail-on-overdue").stdout
    assert "ทุกโรงเรียนนิเทศถึงเป้าหมายของภาคเรียนนี้แล้ว" in out and "ไม่มีข้อเสนอแนะที่เลยกำหนดติดตาม" in out
    assert out.splitlines()[-1].startswith("สรุป: ทุกโรงเรียนถึงเป้าหมาย")


@pytest.mark.parametrize(
    "args, words",
    [
        (["--term", "3"], "ภาคเรียนต้องเป็น 1 หรือ 2 ไม่ใช่ 3"),
        (["--year", "1999"], "ปีการศึกษาต้องเป็นปีพุทธศักราช เช่น 2569 ไม่ใช่ 1999"),
        (["--term", "0", "--year", "2569"], "ภาคเรียนต้องเป็น 1 หรือ 2 ไม่ใช่ 0"),
    ],
)
def test_bad_term_or_year_is_refused(busy, args, words):
    before = busy.snapshot()
    result = busy("due", *args, ok=False)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"ข้อผิดพลาด: {words}"
    assert "Traceback" not in result.output and result.stdout == ""
    assert busy.snapshot() == before


def test_a_year_not_a_number_is_a_usage_error(busy):
    result = busy("due", "--year", "๒๕๖๙x", ok=False)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_a_missing_database_is_not_created(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from nitet_cli.cli import app

    monkeypatch.delenv("NITET_DB", raising=False)
    db = tmp_path / "none.db"
    result = CliRunner().invoke(app, ["--db", str(db), "due"])
    assert result.exit_code != 0 and "ข้อผิดพลาด:" in result.stderr and not db.exists()


def readme_script(name: str) -> str:
    """The shell script the README tells the user to save as ``~/bin/<name>``."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    at = readme.index(f"`~/bin/{name}`")
    match = re.compile(r"```sh\n(.*?)```", re.S).search(readme, at)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize("overdue", [True, False])
def test_the_readme_cron_recipe_mails_the_to_do(busy, tmp_path, overdue):
    """The README's nitet-due.sh, run as cron runs it, with `nitet` this checkout and a `mail`
    that keeps what it is given: the to-do as the body, the summary line as the subject, marked
    when a follow-up is overdue."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if shutil.which("sh") is None:
        pytest.skip("no POSIX shell")
    if not overdue:
        for item in busy.json("follow-up", "list", "--overdue"):
            busy("follow-up", "close", str(item["id"]), "--result", "ตรวจแล้ว")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    src = Path(__file__).resolve().parent.parent / "src"
    (bin_dir / "nitet").write_text(f'#!/bin/sh\nPYTHONPATH="{src}" exec "{sys.executable}" -m nitet_cli "$@"\n')
    (bin_dir / "mail").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$@" > "{tmp_path}/mail-args"\ncat > "{tmp_path}/mail-body"\n'
    )
    script = bin_dir / "nitet-due.sh"
    script.write_text(readme_script("nitet-due.sh"))
    for path in bin_dir.iterdir():
        path.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(tmp_path), "NITET_DB": str(busy.db_path),
           "NITET_TODAY": os.environ["NITET_TODAY"], "LANG": "C.UTF-8"}  # fmt: skip
    result = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    args = (tmp_path / "mail-args").read_text(encoding="utf-8").splitlines()
    body = (tmp_path / "mail-body").read_text(encoding="utf-8")
    assert args[0] == "-s" and args[2] == "supervisor@example.org"
    summary = body.splitlines()[-1]
    assert summary.startswith("สรุป: ยังไม่ถึงเป้าหมาย 4 โรง") and body.startswith("สิ่งที่ต้องทำ ภาคเรียนที่ 2/2569")
    if overdue:
        assert args[1] == f"nitet: มีข้อเสนอแนะเลยกำหนดติดตาม — {summary}"
    else:
        assert args[1] == f"nitet: {summary}" and "ข้อเสนอแนะเลยกำหนด 0 รายการ" in summary


def recount_due_on(nitet) -> dict[int, str | None]:
    """Each open item's due day by the rule itself, from the entries: its check-by date, else
    the first entry naming its school after the day it was given."""
    return dict(
        nitet.query(
            "SELECT f.id, coalesce(f.check_by, (SELECT min(a.date) FROM activity_schools x JOIN activities a ON a.id = x.activity_id"
            " WHERE x.school_code = f.school_code AND a.date > f.given_on)) FROM follow_ups f WHERE f.status = 'open'"
        )
    )


def test_due_days_at_the_next_visit_follow_every_kind_of_write(world):
    """The due day of an item without check-by is read from the summary of visits: after every
    kind of write (a visit, a meeting at the school, an edited date or school, a deletion) it is
    the day a recount from the entries gives, and due/follow-up list say it alike."""
    visit(world, "-s", BAN_KHU, "-s", SAN_SAI, "--date", "2026-11-02", "--follow-up", "จัดมุมอ่าน")

    def check():
        listed = {i["id"]: i["due_on"] for i in world.json("follow-up", "list")}
        assert listed == recount_due_on(world)
        data = world.json("due")
        assert [i["id"] for i in data["overdue"]] == [i["id"] for i in world.json("follow-up", "list", "--overdue")]
        return listed

    assert set(check().values()) == {None}  # no later entry yet
    visit(world, "-s", BAN_KHU, "--date", "2026-11-10")  # the next visit: due that day
    world(
        "log", "1.1", "--kind", "meeting", "--title", "ประชุม", "--school", SAN_SAI, "--date", "2026-11-12"
    )  # any entry
    assert sorted(check().values()) == ["2026-11-10", "2026-11-12"]
    world("edit", "2", "--date", "2026-11-15")
    assert sorted(check().values()) == ["2026-11-12", "2026-11-15"]
    world("edit", "2", "--school", DOI_NGAM)  # the next entry no longer names บ้านคู่
    assert sorted(check().values(), key=str) == ["2026-11-12", None]
    world("delete", "3", "--yes")
    assert set(check().values()) == {None}


def test_a_school_visited_under_another_standard_is_not_called_unvisited(world):
    """As status says it (ยังไม่ได้นิเทศ only without any visit): an entry at the school under
    another standard is a visit this term; 7.3 counts only its own."""
    world("log", "1.1", "--kind", "meeting", "--title", "ประชุม", "--school", BAN_KHU, "--date", "2026-11-12")
    school = next(s for s in world.json("due")["schools"] if s["code"] == BAN_KHU)
    status = {r["standard"]: r for r in world.json("status")["schools"] if r["code"] == BAN_KHU}
    assert school["visited_this_term"] is True and school["visits_this_term"] == status["7.3"]["all_visits"] == 1
    assert {t["standard"]: t["visits"] for t in school["targets"]} == {"6.3": 1, "7.3": 0}
    line = next(line for line in world("due").stdout.splitlines() if line.startswith(f"  {BAN_KHU}"))
    assert "ยังไม่ได้นิเทศ" not in line and "6.3 1/2, 7.3 0/2" in line


class WriteBefore:
    """A connection that commits ``write()`` (on a connection of its own) just before its first
    query whose SQL contains ``marker``: another process logging a visit while due reads."""

    def __init__(self, conn, marker: str, write):
        self._conn, self._marker, self._write = conn, marker, write
        self.fired = False

    def execute(self, sql, *args):
        if not self.fired and self._marker in sql:
            self.fired = True
            self._write()
        return self._conn.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def test_due_reads_one_moment_while_another_process_writes(busy, monkeypatch):
    """A visit with a follow-up committed between due's count of the schools and its list of
    follow-ups: due shows the database before it or after it, never the schools of one moment
    with the follow-ups of the next."""
    from nitet_cli import db as db_module
    from nitet_cli.activities import NewActivity, add_activity

    real = db_module.connect

    def write():
        other = real(busy.db_path)
        try:
            add_activity(
                other, busy.db_path,
                NewActivity(date(2026, 11, 21), "นิเทศ", ["6.3"], [HUAI, PA_SANG], follow_ups=["ใหม่"], check_by=date(2026, 11, 30)),
            )  # fmt: skip
        finally:
            other.close()

    before = busy.json("due")
    made = []
    monkeypatch.setattr(
        db_module,
        "connect",
        lambda path, **kw: made.append(WriteBefore(real(path, **kw), "WITH items AS", write)) or made[-1],
    )
    during = busy.json("due")
    monkeypatch.setattr(db_module, "connect", real)
    after = busy.json("due")
    assert made and made[0].fired  # the write came between the schools and the follow-ups
    assert len(after["due_soon"]) == len(before["due_soon"]) + 2 and after["schools"] != before["schools"]
    assert during in (before, after)
