"""A third hostile pass over the day's changes (named-tuple records, captions, school codes,
targets, the terminal, import/merge): each test fails on the code before its fix."""

from __future__ import annotations

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
