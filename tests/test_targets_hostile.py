"""A standard's target edited by hand — in the database (sqlite3, as a user would) or in the
manual's YAML — read one way by every command: ``status`` (its figures per school and its group
figures), ``status --json``, ``due``, ``school show``, ``report``, ``log-visit`` and the
school-group warnings of ``school import`` (targets.visit_target: targets.target_groups and
targets.target_minimum). Nothing crashes, nothing is miscounted: a text ``school_groups`` names
that one group, an odd item names no school's group, an odd ``min_per_term`` counts as 1; the
YAML refuses them at load, naming the row and what would be right."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml
from conftest import BUNDLED_MANUAL, with_schools

SCHOOLS_CSV = (
    "code,name,group,district\n"
    "0157010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
    "57010003,โรงเรียนบ้านสันทราย,ขยายโอกาส,เมืองเชียงราย\n"
    "57010004,โรงเรียนบ้านคู่ใต้,บ้านคู่,เมืองเชียงราย\n"
)
EVERY_SCHOOL = ["0157010001", "57010002", "57010003", "57010004"]
BAN_KHU = ["0157010001", "57010004"]


@pytest.fixture
def world(initialised, tmp_path):
    return with_schools(initialised, tmp_path, SCHOOLS_CSV)


def set_target(nitet, text: str, standard: str = "7.3") -> None:
    """The target of ``standard`` replaced by ``text`` in the database, as a user with sqlite3 would."""
    conn = sqlite3.connect(nitet.db_path)
    with conn:
        conn.execute("UPDATE standards SET target = ? WHERE id = ?", (text, standard))
    conn.close()


def target_7_3(**fields) -> str:
    """The JSON text of 7.3's target with ``fields`` (raw JSON texts) in place of its own."""
    parts = {"kind": '"school_visits"', "min_per_term": "2", "school_groups": '["บ้านคู่"]', **fields}
    return "{" + ", ".join(f'"{k}": {v}' for k, v in parts.items() if v is not None) + "}"


def figures(nitet, standard: str = "7.3") -> tuple[list[str], dict, dict | None]:
    """From ``status --json``: the schools ``standard``'s target covers (sorted codes), its target
    as status reads it, and its entry in the group figures."""
    data = nitet.json("status")
    codes = sorted(r["code"] for r in data["schools"] if r["standard"] == standard)
    (target,) = [s["target"] for d in data["duties"] for s in d["standards"] if s["id"] == standard]
    group = next((t for t in data["targets"] if t["standard"] == standard), None)
    return codes, target, group


def every_command_runs(nitet, tmp_path) -> None:
    """status (text and JSON), due (text and JSON), school show and the JSON report: exit 0 or 1
    (a gap), never a traceback or a database error."""
    for args in (("status",), ("status", "--json"), ("due",), ("due", "--json"), ("school", "show", "57010003")):
        result = nitet(*args, ok=False)
        assert result.exit_code in (0, 1), (args, result.output)
        assert "Traceback" not in result.output and "ข้อผิดพลาด" not in result.stderr, (args, result.output)
    nitet("report", "--format", "json", "-o", tmp_path / "report.json")


# --- school_groups ---------------------------------------------------------------------------------


def test_a_text_school_groups_names_that_one_group_everywhere(world, tmp_path):
    """Bug 1: "ขยายโอกาส" was read as a set of its letters (no school matched)."""
    set_target(world, target_7_3(school_groups='"ขยายโอกาส"'))
    codes, target, group = figures(world)
    assert codes == ["57010003"]
    assert target["school_groups"] == ["ขยายโอกาส"] and target["min_per_term"] == 2
    assert group["school_groups"] == ["ขยายโอกาส"] and group["target_schools"] == 1
    assert "มาตรฐาน 7.3: ขยายโอกาส อย่างน้อย 2 ครั้ง" in world("status", ok=False).stdout
    behind = {s["code"]: [t["standard"] for t in s["targets"]] for s in world.json("due")["schools"]}
    assert "7.3" in behind["57010003"] and "7.3" not in behind["0157010001"]
    shown = world.json("school", "show", "57010003")
    assert "7.3" in json.dumps(shown)
    # log-visit links what status counts: a visit to the ขยายโอกาส school counts for 7.3.
    assert world.json("log-visit", "-s", "57010003", "-t", "นิเทศ")["standards"] == ["7.3"]
    assert figures(world)[0] == ["57010003"]
    # The school-group warnings know the group: outside the targets' groups are the two บ้านคู่
    # schools only (7.3 no longer names บ้านคู่), and a new ขยายโอกาส school is no unknown group.
    assert world.json("status")["schools_outside_group_targets"] == 2
    csv = tmp_path / "more.csv"
    csv.write_text("code,name,group\n57010009,โรงเรียนใหม่,ขยายโอกาส\n", encoding="utf-8")
    assert world.json("school", "import", csv)["unknown_groups"] == []
    every_command_runs(world, tmp_path)


@pytest.mark.parametrize(
    "groups, covered, shown",
    [
        ('[{"a": 1}]', [], ['{"a": 1}']),  # names something, no school's group: not every school
        ('["บ้านคู่", {"a": 1}, 5, null, [1], true]', BAN_KHU, ["บ้านคู่", '{"a": 1}', "5", "null", "[1]", "true"]),
        ("[null]", [], ["null"]),
        ('["บ้านคู่", "บ้านคู่"]', BAN_KHU, ["บ้านคู่"]),
        ("5", EVERY_SCHOOL, []),  # neither a list nor text: names no group, every school
        ('{"a": 1}', EVERY_SCHOOL, []),
        ("true", EVERY_SCHOOL, []),
        ("null", EVERY_SCHOOL, []),
        ('""', EVERY_SCHOOL, []),
    ],
)
def test_odd_items_in_school_groups_never_stop_status(world, tmp_path, groups, covered, shown):
    """Bug 2: an object in school_groups made status, due and report exit 4 (SQLite could not bind
    it); a number made them crash (not iterable); null crashed the status text."""
    set_target(world, target_7_3(school_groups=groups))
    every_command_runs(world, tmp_path)
    codes, target, group = figures(world)
    assert codes == covered and target["school_groups"] == shown and group["school_groups"] == shown
    assert group["target_schools"] == len(covered)
    # log-visit agrees: 7.3 is linked to a visit to a บ้านคู่ school exactly when 7.3 covers it.
    linked = world.json("log-visit", "-s", "0157010001", "-t", "นิเทศ")["standards"]
    assert ("7.3" in linked) == ("0157010001" in covered)


def test_odd_school_groups_keep_school_import_warning_readable(world, tmp_path):
    """school import lists the groups the targets use as text (an object used to break the warning)."""
    set_target(world, target_7_3(school_groups='["บ้านคู่", {"a": 1}, null]'))
    csv = tmp_path / "more.csv"
    csv.write_text("code,name,group\n57010009,โรงเรียนใหม่,ในเมือง\n", encoding="utf-8")
    result = world("school", "import", csv)
    (line,) = [line for line in result.stderr.splitlines() if "ในเมือง" in line]
    assert 'บ้านคู่, {"a": 1}, null' in line
    every_command_runs(world, tmp_path)


@pytest.mark.parametrize(
    "groups, covered, shown",
    [
        ('["\\ud800"]', [], ["\\ud800"]),
        ('["บ้านคู่", "\\ud800"]', BAN_KHU, ["บ้านคู่", "\\ud800"]),
        ('"\\udc00\\ud800"', [], ["\\udc00\\ud800"]),
        ('["\\ud800", "\\ud800"]', [], ["\\ud800"]),
    ],
)
def test_a_lone_surrogate_group_name_is_kept_escaped_and_matches_no_school(world, tmp_path, groups, covered, shown):
    """Bug 4: a name JSON spells with a lone surrogate crashed status (SQLite cannot take it as
    text). It is shown escaped, as it was typed, and no school's group is it."""
    set_target(world, target_7_3(school_groups=groups))
    every_command_runs(world, tmp_path)
    codes, target, group = figures(world)
    assert codes == covered and target["school_groups"] == shown and group["school_groups"] == shown
    assert f"มาตรฐาน 7.3: {', '.join(shown)} อย่างน้อย" in world("status", ok=False).stdout


# --- min_per_term ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "minimum, read",
    [
        ("NaN", 1),
        ("Infinity", 1),
        ("-Infinity", 1),
        ("-1", 1),
        ("0", 1),
        ("1.5", 1),
        ("true", 1),
        ("99999999999999999999999", 1),  # beyond SQLite's integers
        ("101", 1),  # beyond targets.MAX_PER_TERM, as the manual's loader holds it
        ('"abc"', 1),
        ('"๑๐๐๐๐๐๐"', 1),
        ("null", 1),
        ("[3]", 1),
        ('{"a": 3}', 1),
        (None, 1),  # no min_per_term at all: the status text and the report used to crash on it
        ('"3"', 3),  # a number typed as text, as the manual's loader reads it
        ('"๓"', 3),
        ("3.0", 3),
        ("100", 100),
    ],
)
def test_an_odd_min_per_term_counts_as_one_visit(world, tmp_path, minimum, read):
    """Bug 3: NaN (or Infinity, or a number beyond SQLite's) made status, due and report crash in
    the group figures (int(NaN)); a minimum that is not a whole number from 1 to 100 counts 1."""
    set_target(world, target_7_3(min_per_term=minimum))
    every_command_runs(world, tmp_path)
    data = world.json("status")
    rows = [r for r in data["schools"] if r["standard"] == "7.3"]
    assert sorted(r["code"] for r in rows) == BAN_KHU and {r["target"] for r in rows} == {read}
    (group,) = [t for t in data["targets"] if t["standard"] == "7.3"]
    assert group["min_per_term"] == read
    assert f"มาตรฐาน 7.3: บ้านคู่ อย่างน้อย {read} ครั้ง" in world("status", ok=False).stdout
    # One visit meets a minimum read as 1, for the school and in the supervisor's figures.
    world("log-visit", "-s", "0157010001", "-t", "นิเทศ")
    data = world.json("status")
    met = {r["code"]: r["met"] for r in data["schools"] if r["standard"] == "7.3"}
    assert met == {"0157010001": read == 1, "57010004": False}
    (me,) = [s for s in data["supervisors"] if s["is_self"]]
    (mine,) = [t for t in me["targets"] if t["standard"] == "7.3"]
    assert mine["schools_met"] == (read == 1)


# --- targets that are no target --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested too deep for Python's json"),
        pytest.param('{"kind": ' + "[" * 100_000 + "]" * 100_000 + "}", id="a kind nested too deep"),
        pytest.param('{"kind": ["school_visits"], "min_per_term": 2, "school_groups": ["บ้านคู่"]}', id="kind a list"),
        pytest.param('{"kind": {"a": 1}, "min_per_term": 2, "school_groups": ["บ้านคู่"]}', id="kind an object"),
    ],
)
def test_a_target_that_cannot_be_read_is_no_target(world, tmp_path, text):
    set_target(world, text)
    every_command_runs(world, tmp_path)
    data = world.json("status")
    assert [r for r in data["schools"] if r["standard"] == "7.3"] == []
    assert "7.3" not in [t["standard"] for t in data["targets"]]
    assert world.json("log-visit", "-s", "0157010001", "-t", "นิเทศ")["standards"] == ["6.3"]


# --- the same targets in the YAML: refused at load ---------------------------------------------------


def manual_with_7_3(tmp_path, **fields):
    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    for duty in data["duties"]:
        for row in duty["standards"]:
            if (duty["number"], row["step"]) == (7, 3):
                row["target"].update(fields)
    path = tmp_path / "manual.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "fields, said",
    [
        ({"school_groups": "ขยายโอกาส"}, "เช่น [ขยายโอกาส] ไม่ใช่ข้อความเดี่ยว"),
        ({"school_groups": ["บ้านคู่", {"a": 1}]}, "ชื่อกลุ่มที่ 2 ต้องเป็นชื่อกลุ่มโรงเรียนที่เป็นข้อความ"),
        ({"school_groups": ["บ้านคู่", None]}, "ชื่อกลุ่มที่ 2"),
        ({"school_groups": [5]}, "ชื่อกลุ่มที่ 1"),
        ({"school_groups": 5}, "ไม่ใช่ค่าชนิด int"),
        ({"school_groups": ["\ud800"]}, "ชื่อกลุ่มที่ 1"),
        ({"min_per_term": float("nan")}, "ตั้งแต่ 1 ถึง 100"),
        ({"min_per_term": float("inf")}, "ตั้งแต่ 1 ถึง 100"),
        ({"min_per_term": -1}, "ตั้งแต่ 1 ถึง 100"),
        ({"min_per_term": 1.5}, "ตั้งแต่ 1 ถึง 100"),
        ({"min_per_term": True}, "ตั้งแต่ 1 ถึง 100"),
        ({"min_per_term": 10**30}, "ตั้งแต่ 1 ถึง 100"),
    ],
    ids=["text", "object item", "null item", "number item", "number", "lone surrogate"]
    + ["NaN", "Infinity", "-1", "1.5", "true", "10**30"],
)
def test_the_yaml_refuses_an_odd_target_naming_the_row(world, tmp_path, fields, said):
    path = manual_with_7_3(tmp_path, **fields)
    before = world.snapshot()
    result = world("manual", "load", path, ok=False)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("ข้อผิดพลาด:") and "แถว 7.3" in result.stderr and said in result.stderr
    assert world.snapshot() == before
