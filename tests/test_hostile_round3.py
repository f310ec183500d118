"""A third hostile pass over the day's changes (named-tuple records, captions, school codes,
targets, the terminal, import/merge): each test fails on the code before its fix."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import with_schools

SCHOOLS = "code,name,group,district\n1057010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองน่าน\n"


def test_the_summary_line_names_the_standards_and_follow_ups_as_recorded(initialised, tmp_path):
    """The records are named tuples now, never changed in place: the line log/log-visit print on
    stderr named the standards as typed (``๗.๒, 7.2``) and counted repeated follow-ups and schools,
    where the entry holds 7.2 once and one follow-up."""
    nitet = with_schools(initialised, tmp_path, SCHOOLS)
    result = nitet("log", "๗.๒", "7.2", " 8.2", "--kind", "meeting", "--title", "ประชุม")
    assert "มาตรฐาน 7.2, 8.2 หลักฐาน 0 ชิ้น" in result.stderr, result.stderr
    result = nitet(
        "log-visit", "--school", "บ้านคู่", "--school", "1057010001", "--title", "นิเทศ",
        "--follow-up", "จัดมุมอ่าน", "--follow-up", " จัดมุมอ่าน ",
    )  # fmt: skip
    assert nitet.query("SELECT count(*) FROM follow_ups") == [(1,)]
    assert "ที่ 1057010001 มาตรฐาน 7.3 หลักฐาน 0 ชิ้น ข้อเสนอแนะที่ต้องติดตาม 1 รายการ" in result.stderr, result.stderr


def test_a_school_name_pasted_with_zero_width_spaces_names_the_school(initialised, tmp_path):
    """Thai documents carry zero-width spaces between words: ``--school "ดอย<ZWSP>งาม"`` was
    'not found', its nearest match the very school, the refusal showing the name as typed with
    the character invisible. The name is looked for without them; a refusal shows them."""
    nitet = with_schools(
        initialised, tmp_path, SCHOOLS + "1057010002,โรงเรียนดอยงาม,พื้นที่สูง,บ่อเกลือ\n"
    )  # fmt: skip
    nitet("log-visit", "--school", "ดอย\u200bงาม", "--title", "นิเทศ")
    nitet("log-visit", "--school", "โรงเรียน\u200bดอยงาม\u200b", "--title", "นิเทศ")
    assert nitet.query("SELECT school_code FROM activity_schools") == [("1057010002",), ("1057010002",)]
    refused = nitet("log-visit", "--school", "ดอย\u200bสูง", "--title", "นิเทศ", ok=False)
    assert refused.exit_code == 3 and "ดอย\\u200bสูง" in refused.stderr, refused.stderr


def test_manual_yaml_to_dash_on_a_latin1_stdout_is_the_files_utf8(initialised, tmp_path):
    """``manual export --yaml -o -`` on a stdout in a legacy encoding wrote every Thai text as
    ``\\u0e04…`` text (the terminal's escapes), which ``manual load`` then stored as it stood,
    replacing the whole manual's Thai. Like ``export -o -``, it writes the file's UTF-8 bytes."""
    initialised("manual", "export", "--yaml", "-o", tmp_path / "my-duties.yaml")
    env = {**os.environ, "NITET_DB": str(initialised.db_path), "PYTHONIOENCODING": "latin-1"}
    env.pop("PYTHONUTF8", None)
    proc = subprocess.run(
        [sys.executable, "-m", "nitet_cli", "manual", "export", "--yaml", "-o", "-"],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode("latin-1")
    assert proc.stdout == (tmp_path / "my-duties.yaml").read_bytes()
    (tmp_path / "piped.yaml").write_bytes(proc.stdout)
    assert "ไม่มีการเปลี่ยนแปลง" in initialised("manual", "load", tmp_path / "piped.yaml").stdout
