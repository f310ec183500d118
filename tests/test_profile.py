"""Issue 11 items 1-2: the owner's profile as the user's own — `nitet profile show|set`, the
report's endorser, `nitet init` asking for (or given) the name, and the reminder while the
profile is still the bundled sample."""

from __future__ import annotations

import json
import sqlite3

import pytest
import yaml

from conftest import BUNDLED_MANUAL, docx_text

SAMPLE = "นายรณชัย สิงห์คำ"
NAME = "นางสาวสมใจ ใฝ่ดี"
OFFICE = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาน่าน เขต ๒"
ENDORSER = "นายประเสริฐ มั่นคง"
ENDORSER_POSITION = "ผู้อำนวยการกลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา"
NOTICE = "โปรไฟล์ยังเป็นตัวอย่าง"


def owner_row(nitet) -> dict:
    conn = sqlite3.connect(nitet.db_path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM supervisors WHERE is_self = 1").fetchall()
    finally:
        conn.close()
    assert len(rows) == 1
    return dict(rows[0])


# --- item 1: profile show and profile set ------------------------------------------------------


def test_sample_name_is_the_bundled_manuals():
    from nitet_cli.profile import SAMPLE_NAME

    assert yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))["profile"]["name"] == SAMPLE_NAME == SAMPLE


def test_profile_show(initialised):
    shown = initialised.json("profile", "show")
    assert shown["name"] == SAMPLE and shown["sample"] is True
    assert shown["office"] == "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงราย เขต ๑"
    assert shown["endorser_name"] == "" and shown["endorser_position"] == ""
    assert shown["uuid"] == owner_row(initialised)["uuid"]
    result = initialised("profile", "show")
    assert f"ชื่อ-นามสกุล: {SAMPLE}" in result.stdout
    assert "ผู้บังคับบัญชาที่ให้ความเห็น: (ยังไม่ได้ใส่ — --endorser-name)" in result.stdout


def test_profile_set_changes_only_the_given_fields(initialised):
    before = owner_row(initialised)
    changed = initialised.json("profile", "set", "--name", f"  {NAME} ", "--office", OFFICE)
    assert changed["changed"] == ["name", "office"]
    after = owner_row(initialised)
    assert after["name"] == NAME and after["office"] == OFFICE  # cleaned: ends stripped
    for field in ("uuid", "position", "academic_standing", "work_unit", "work_group", "agency", "ministry", "endorser_name"):
        assert after[field] == before[field], field
    assert after["updated_at"] >= before["updated_at"]
    # The same values again: nothing changes, not even updated_at.
    again = initialised.json("profile", "set", "--name", NAME)
    assert again["changed"] == [] and owner_row(initialised) == after
    # An empty value clears a field other than the name.
    initialised("profile", "set", "--academic-standing", "")
    assert owner_row(initialised)["academic_standing"] == ""
    assert initialised.json("profile", "show")["sample"] is False


def test_documents_use_the_new_profile_at_once(initialised, tmp_path):
    initialised("profile", "set", "--name", NAME, "--office", OFFICE)
    manual = tmp_path / "manual.docx"
    initialised("manual", "export", "-o", manual)
    text = docx_text(manual)
    assert NAME in text and OFFICE in text and SAMPLE not in text
    report = tmp_path / "report.docx"
    initialised("report", "--term", "2", "-o", report)
    text = docx_text(report)
    assert f"({NAME})" in text and SAMPLE not in text


def test_report_endorsement_block(initialised, tmp_path):
    """The endorser's name and position when set, a dotted line for each when not."""
    dots = "(" + "." * 50 + ")"
    report = tmp_path / "before.docx"
    initialised("report", "--term", "2", "-o", report)
    text = docx_text(report)
    assert "ความเห็นของผู้บังคับบัญชา" in text and dots in text and "ตำแหน่ง " + "." * 50 in text

    initialised("profile", "set", "--endorser-name", ENDORSER, "--endorser-position", ENDORSER_POSITION)
    report = tmp_path / "after.docx"
    initialised("report", "--term", "2", "-o", report)
    text = docx_text(report)
    assert f"({ENDORSER})" in text and f"ตำแหน่ง{ENDORSER_POSITION}" in text and dots not in text
    initialised("report", "--term", "2", "--format", "json", "-o", tmp_path / "r.json")
    profile = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["profile"]
    assert profile["endorser_name"] == ENDORSER and profile["endorser_position"] == ENDORSER_POSITION


@pytest.mark.parametrize(
    "args, words",
    [
        (["--name", ""], ["--name", "ว่าง"]),
        (["--name", " \t "], ["--name", "ว่าง"]),
        (["--office", "ก" * 301], ["--office", "301", "300"]),
        (["--name", NAME, "--endorser-position", "ข" * 400], ["--endorser-position", "400"]),
        ([], ["อย่างน้อยหนึ่งค่า"]),
    ],
    ids=["empty-name", "blank-name", "long-office", "long-endorser-with-good-name", "nothing"],
)
def test_profile_set_bad_input_writes_nothing(initialised, args, words):
    before = initialised.snapshot()
    result = initialised("profile", "set", *args, ok=False)
    assert result.exit_code == 2
    assert result.stderr.startswith("ข้อผิดพลาด: ") and len(result.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in result.stderr
    assert "Traceback" not in result.output
    assert initialised.snapshot() == before


def test_manual_yaml_may_name_the_endorser_and_leaving_it_out_keeps_it(initialised, tmp_path):
    initialised("profile", "set", "--endorser-name", ENDORSER)
    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    plain = tmp_path / "plain.yaml"
    plain.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert initialised.json("manual", "load", plain)["changed"] is False  # no endorser in the file: kept
    assert owner_row(initialised)["endorser_name"] == ENDORSER
    data["profile"]["endorser_position"] = ENDORSER_POSITION
    named = tmp_path / "named.yaml"
    named.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert initialised.json("manual", "load", named)["profile_changed"] is True
    row = owner_row(initialised)
    assert row["endorser_name"] == ENDORSER and row["endorser_position"] == ENDORSER_POSITION
