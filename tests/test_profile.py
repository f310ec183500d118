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
    for field in (
        "uuid",
        "position",
        "academic_standing",
        "work_unit",
        "work_group",
        "agency",
        "ministry",
        "endorser_name",
    ):
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


# --- item 2: the first run ---------------------------------------------------------------------


def test_init_from_a_script_with_name_and_office(nitet, tmp_path):
    shown = nitet.json("init", "--name", NAME, "--office", OFFICE)
    assert shown["name"] == NAME and shown["sample"] is False
    row = owner_row(nitet)
    assert (row["name"], row["office"], row["position"]) == (NAME, OFFICE, "ศึกษานิเทศก์")
    # The sample author's own standing and unit are not carried over to another person.
    assert row["academic_standing"] == "" and row["work_unit"] == ""
    assert row["agency"] == "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน" and row["ministry"] == "กระทรวงศึกษาธิการ"
    out = tmp_path / "manual.docx"
    result = nitet("manual", "export", "-o", out)
    assert NAME in docx_text(out) and SAMPLE not in docx_text(out)
    assert NOTICE not in result.stderr


def test_init_again_keeps_the_owners_profile(nitet):
    """Re-running `nitet init` (the bundled manual again) never puts the sample's name back."""
    nitet("init", "--name", NAME, "--office", OFFICE)
    nitet("profile", "set", "--academic-standing", "ชำนาญการ", "--endorser-name", ENDORSER)
    before = owner_row(nitet)
    assert nitet.json("init")["changed"] is False
    assert owner_row(nitet) == before


@pytest.mark.parametrize(
    "args, words",
    [
        (["--name", NAME], ["--office"]),
        (["--name", "", "--office", OFFICE], ["--name", "ว่าง"]),
        (["--name", NAME, "--office", "ก" * 301], ["--office", "300"]),
    ],
    ids=["name-without-office", "empty-name", "long-office"],
)
def test_init_bad_profile_creates_nothing(nitet, args, words):
    result = nitet("init", *args, ok=False)
    assert result.exit_code == 2 and result.stderr.startswith("ข้อผิดพลาด: ")
    assert len(result.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in result.stderr
    assert not nitet.db_path.exists()


def test_init_asks_in_a_terminal(nitet, monkeypatch):
    """Name, position and office, the sample's shown as examples; an empty answer to the
    position is asked again rather than kept."""
    from nitet_cli.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    result = nitet("init", input=f"{NAME}\n\nศึกษานิเทศก์\n{OFFICE}\n")
    assert f"(เช่น {SAMPLE};" in result.output and "(เช่น ศึกษานิเทศก์)" in result.output
    assert "ต้องตอบข้อนี้" in result.output
    row = owner_row(nitet)
    assert (row["name"], row["position"], row["office"]) == (NAME, "ศึกษานิเทศก์", OFFICE)


def test_init_in_a_terminal_may_keep_the_sample_for_now(nitet, monkeypatch):
    from nitet_cli.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    result = nitet("init", input="\n")
    assert "ใช้โปรไฟล์ตัวอย่างไปก่อน" in result.output
    assert owner_row(nitet)["name"] == SAMPLE and NOTICE in result.stderr


def test_init_asks_nothing_from_a_script(nitet, monkeypatch):
    """No terminal (cron, the README's first command): the bundled manual exactly as the seed,
    its profile included, and no question."""
    result = nitet("init")
    assert "ชื่อ-นามสกุลของคุณ" not in result.output
    bundled = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))["profile"]
    shown = nitet.json("manual", "show")["profile"]
    assert {k: shown[k] for k in bundled} == bundled


def test_sample_notice_until_profile_set(initialised, tmp_path):
    """status, report and manual export say so in one line on stderr; never with --json."""
    commands = {
        "status": ["status"],
        "report": ["report", "--term", "2", "-o", tmp_path / "r.docx"],
        "manual export": ["manual", "export", "-o", tmp_path / "m.docx"],
    }
    for label, args in commands.items():
        result = initialised(*args)
        lines = [line for line in result.stderr.splitlines() if NOTICE in line]
        assert len(lines) == 1 and "nitet profile set" in lines[0], label
        assert NOTICE not in result.stdout, label
        quiet = initialised(*args, "--json")
        assert NOTICE not in quiet.stderr and NOTICE not in quiet.stdout, label
        json.loads(quiet.stdout)
    initialised("profile", "set", "--name", NAME)
    for label, args in commands.items():
        assert NOTICE not in initialised(*args).stderr, label


def test_a_database_without_an_owner_has_no_profile_to_set(initialised, tmp_path):
    """A group database made with `merge --into` has no owner: profile show and set say so (exit 3)."""
    group = tmp_path / "group.db"
    initialised("merge", initialised.db_path, "--into", group)
    from conftest import Nitet

    merged = Nitet(group)
    before = merged.snapshot()
    for args in (["profile", "show"], ["profile", "set", "--name", NAME]):
        result = merged(*args, ok=False)
        assert result.exit_code == 3 and "ไม่มีเจ้าของ" in result.stderr
    assert merged.snapshot() == before
