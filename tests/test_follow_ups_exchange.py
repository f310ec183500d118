"""Issue 10, part 2: export, import and merge carry follow-ups (exchange format version 2):
by UUID, the later `updated_at` winning a disagreement, gone with a deleted visit, never moved
to another visit; a bad follow-up in a file is refused with its place named and nothing
written; version-1 files and source databases older than m010 still come in."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import Nitet
from exchange_data import later, manual_for

FIELDS = "f.uuid, a.uuid, f.school_code, f.text, f.given_on, f.check_by, f.status, f.result, f.closed_on, f.updated_at"


def supervisor(env: Path, name: str) -> Nitet:
    """A supervisor's database with two schools, a visit to both with two follow-ups (one
    closed at a later visit), and a visit to one with a follow-up due by a date."""
    nitet = Nitet(env / name / "nitet.db")
    nitet.db_path.parent.mkdir(parents=True)
    nitet("init", "--manual", manual_for(name, env))
    nitet("school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่")
    nitet("school", "add", "--code", "05701002", "--name", "โรงเรียนบ้านดอยฮาง", "--group", "บ้านคู่")
    nitet(
        "log-visit",
        "-s",
        "57010001",
        "-s",
        "05701002",
        "-t",
        f"นิเทศการอ่าน ({name})",
        "--date",
        "2/11/2569",
        "--follow-up",
        "จัดมุม [red]รักการอ่าน[/red]",
    )
    nitet(
        "log-visit",
        "-s",
        "57010001",
        "-t",
        f"นิเทศติดตาม ({name})",
        "--date",
        "16/11/2569",
        "--close-follow-up",
        "1:จัดแล้ว",
        "--follow-up",
        "ทำแผนนิเทศภายใน",
        "--check-by",
        "15/12/2569",
    )
    return nitet  # fmt: skip


def follow_ups(nitet: Nitet) -> list[tuple]:
    return nitet.query(f"SELECT {FIELDS} FROM follow_ups f JOIN activities a ON a.id = f.activity_id ORDER BY f.uuid")


def fresh(env: Path, name: str = "target") -> Nitet:
    nitet = Nitet(env / name / "nitet.db")
    nitet.db_path.parent.mkdir(parents=True)
    nitet("init")
    return nitet


def touch(nitet: Nitet, sql: str) -> None:
    conn = sqlite3.connect(nitet.db_path)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_export_import_carries_follow_ups_once(env):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    out = env / "a.json"
    a("export", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["version"] == 2
    assert sorted(
        (f["school"], f["text"], f["status"], f["result"], f["closed_on"], f["check_by"]) for f in data["follow_ups"]
    ) == [
        ("05701002", "จัดมุม [red]รักการอ่าน[/red]", "open", "", None, None),
        ("57010001", "จัดมุม [red]รักการอ่าน[/red]", "done", "จัดแล้ว", "2026-11-16", None),
        ("57010001", "ทำแผนนิเทศภายใน", "open", "", None, "2026-12-15"),
    ]
    b = fresh(env)
    result = b.json("import", out)
    assert (result["follow_ups_added"], result["follow_ups_updated"], result["changed"]) == (3, 0, True)
    assert follow_ups(b) == follow_ups(a)
    assert "ข้อเสนอแนะที่ต้องติดตาม: เพิ่ม 3, ปรับปรุง 0" in fresh(env, "c")("import", out).stdout
    again = b.json("import", out)
    assert (again["follow_ups_added"], again["follow_ups_updated"], again["changed"], again["conflicts"]) == (
        0,
        0,
        False,
        [],
    )
    assert follow_ups(b) == follow_ups(a)


def test_a_later_closing_wins_either_way(env):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    out = env / "a.json"
    a("export", "-o", out)
    b = fresh(env)
    b("import", out)
    # the supervisor checks item 2 later, and exports again: the target takes the result
    a("follow-up", "close", "2", "--result", "ดอยฮางจัดมุมแล้ว", "--status", "partly")
    touch(a, f"UPDATE follow_ups SET updated_at = '{later()}' WHERE id = 2")
    a("export", "-o", out)
    result = b.json("import", out)
    assert result["follow_ups_updated"] == 1
    assert [c["kind"] for c in result["conflicts"]] == ["follow_up"] and result["conflicts"][0]["kept"] == "source"
    assert follow_ups(b) == follow_ups(a)
    # an older export (item 3 still open) does not undo a closing made later in the target
    older = env / "older.json"
    a("export", "-o", older)
    b("follow-up", "close", "3", "--result", "ทำแผนแล้ว")
    touch(
        b,
        "UPDATE follow_ups SET updated_at = '2099-06-01T00:00:00+00:00' WHERE uuid = (SELECT uuid FROM follow_ups WHERE text = 'ทำแผนนิเทศภายใน')",
    )
    result = b.json("import", older)
    assert result["follow_ups_updated"] == 0 and result["conflicts"][0]["kept"] == "target"
    assert "ข้อเสนอแนะที่ต้องติดตาม" in result["conflicts"][0]["message"]
    assert b.query("SELECT status, result FROM follow_ups WHERE text = 'ทำแผนนิเทศภายใน'") == [("done", "ทำแผนแล้ว")]


def test_merge_carries_both_supervisors_follow_ups(env):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    b = supervisor(env, "นายสมชาย รักเรียน")
    group = Nitet(env / "group" / "group.db")
    group.db_path.parent.mkdir()
    merged = group.json("merge", a.db_path, b.db_path, "--into", group.db_path)
    assert merged["follow_ups_added"] == 6
    assert follow_ups(group) == sorted(follow_ups(a) + follow_ups(b))
    again = group.json("merge", a.db_path, b.db_path, "--into", group.db_path)
    assert again["follow_ups_added"] == 0 and again["changed"] is False
    shown = group.json("follow-up", "list", "--all")
    assert {f["supervisor"] for f in shown} == {"นางสาวมาลี ใจดี", "นายสมชาย รักเรียน"}


def test_a_deleted_visit_takes_its_follow_ups_along(env):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    out = env / "a.json"
    a("export", "-o", out)
    b = fresh(env)
    b("import", out)
    a("delete", "1", "--yes")  # the first visit: items 1 and 2 go with it
    a("export", "-o", out)
    result = b.json("import", out)
    assert result["activities_deleted"] == 1
    assert follow_ups(b) == follow_ups(a) and len(follow_ups(b)) == 1


def test_version_1_files_and_old_source_databases_still_come_in(env):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    out = env / "a.json"
    a("export", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    data["version"] = 1
    del data["deletions"]
    v1 = env / "v1.json"
    v1.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    b = fresh(env)
    result = b.json("import", v1)
    assert result["activities_added"] == 2 and result["follow_ups_added"] == 0  # version 1 has no follow-ups
    # a source database from before m010 (read-only, not upgraded by merge)
    old = env / "old.db"
    conn = sqlite3.connect(a.db_path)
    conn.execute("VACUUM INTO ?", (str(old),))
    conn.close()
    conn = sqlite3.connect(old)
    conn.execute("DROP TABLE follow_ups")
    conn.execute("DELETE FROM _nitet_migrations WHERE name = 'm010_follow_ups'")
    conn.commit()
    conn.close()
    c = fresh(env, "c")
    merged = c.json("merge", old)
    assert merged["activities_added"] == 2 and merged["follow_ups_added"] == 0


def _broken(data: dict, change) -> dict:
    copy = json.loads(json.dumps(data))
    change(copy["follow_ups"][0], copy)
    return copy


@pytest.mark.parametrize(
    "change, where, words",
    [
        (
            lambda f, d: f.update(activity="00000000-0000-4000-8000-000000000000"),
            "follow_ups[0].activity",
            "ไม่อยู่ในรายการ activities",
        ),
        (lambda f, d: f.update(school="57019999"), "follow_ups[0].school", "ไม่ใช่โรงเรียนของกิจกรรม"),
        (lambda f, d: f.update(status="closed"), "follow_ups[0].status", "ไม่ใช่ 'closed'"),
        (lambda f, d: f.update(status="done", closed_on=None), "follow_ups[0].closed_on", "ต้องมีเมื่อปิดแล้ว"),
        (lambda f, d: f.update(check_by="2026-01-01"), "follow_ups[0].check_by", "อยู่ก่อน given_on"),
        (lambda f, d: f.update(text="   "), "follow_ups[0].text", "ว่าง"),
        (lambda f, d: d["follow_ups"].append(dict(f)), "follow_ups[3].uuid", "ซ้ำ"),
    ],
)
def test_a_bad_follow_up_in_a_file_is_refused(env, change, where, words):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    out = env / "a.json"
    a("export", "-o", out)
    bad = env / "bad.json"
    bad.write_text(
        json.dumps(_broken(json.loads(out.read_text(encoding="utf-8")), change), ensure_ascii=False), encoding="utf-8"
    )
    b = fresh(env)
    before = b.snapshot()
    result = b("import", bad, ok=False)
    assert result.exit_code == 2 and where in result.stderr and words in result.stderr, result.stderr
    assert b.snapshot() == before


def test_a_follow_up_never_moves_to_another_visit(env):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    out = env / "a.json"
    a("export", "-o", out)
    b = fresh(env)
    b("import", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    moved = next(f for f in data["follow_ups"] if f["text"] == "จัดมุม [red]รักการอ่าน[/red]" and f["school"] == "57010001")
    second = next(x for x in data["activities"] if x["uuid"] != moved["activity"])
    moved["activity"] = second["uuid"]
    bad = env / "moved.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = b.snapshot()
    result = b("import", bad, ok=False)
    assert result.exit_code == 2 and "ไม่ย้ายไปการนิเทศอื่น" in result.stderr
    assert b.snapshot() == before


def test_new_identity_gives_follow_ups_new_uuids(env):
    a = supervisor(env, "นางสาวมาลี ใจดี")
    before = follow_ups(a)
    result = a.json("profile", "new-identity", "--yes")
    assert result["follow_ups"] == 3
    after = a.query("SELECT f.uuid, f.text, f.status FROM follow_ups f ORDER BY f.id")
    assert not {r[0] for r in after} & {r[0] for r in before}
    assert sorted(r[1:] for r in after) == sorted((r[3], r[6]) for r in before)
