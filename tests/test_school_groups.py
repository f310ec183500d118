"""Issue 11 item 4: school groups that match no target are said out loud — `school import` and
`school add` warn once per unknown group (exit 0), `status` counts the schools under no group target."""

from __future__ import annotations

import yaml
from conftest import BUNDLED_MANUAL

WARNING = "ไม่ตรงกับเป้าหมายรายกลุ่มใดในคู่มือ"
CSV = (
    "code,name,group,district\n"
    "57010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยหลวง,ดอยหลวง,ดอยหลวง\n"
    "57010003,โรงเรียนปงน้อย,ดอยหลวง,ดอยหลวง\n"
    "57010004,โรงเรียนห้วยแม่เลี่ยม,พื้นที่สูง,แม่สรวย\n"
    "57010005,โรงเรียนเวียงชัย,,เวียงชัย\n"
    "57010006,โรงเรียนบ้านดู่,ในเมือง,เมืองเชียงราย\n"
)


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if WARNING in line]


def test_import_warns_once_per_unknown_group(initialised, tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text(CSV, encoding="utf-8")
    result = initialised("school", "import", path)
    assert result.exit_code == 0
    lines = warnings(result.stderr)
    assert len(lines) == 2  # ดอยหลวง (two schools) and ในเมือง; not บ้านคู่, พื้นที่สูง or the school without a group
    assert "'ดอยหลวง' (2 โรง)" in lines[0] and "'ในเมือง' (1 โรง)" in lines[1]
    for line in lines:
        assert "บ้านคู่, พื้นที่สูง" in line  # the groups the manual's targets use
    assert WARNING not in result.stdout
    assert initialised.query("SELECT count(*) FROM schools") == [(6,)]  # everything imported all the same

    again = initialised.json("school", "import", path)
    assert [w["group"] for w in again["unknown_groups"]] == ["ดอยหลวง", "ในเมือง"]
    assert again["unknown_groups"][0]["schools"] == 2


def test_school_add_warns_for_an_unknown_group_only(initialised):
    result = initialised("school", "add", "--code", "1", "--name", "โรงเรียนก", "--group", "บ้านคุ่")  # a typo
    assert result.exit_code == 0
    (line,) = warnings(result.stderr)
    assert "'บ้านคุ่'" in line and "บ้านคู่, พื้นที่สูง" in line
    known = initialised("school", "add", "--code", "2", "--name", "โรงเรียนข", "--group", "บ้านคู่")
    assert warnings(known.stderr) == []
    none = initialised("school", "add", "--code", "3", "--name", "โรงเรียนค")
    assert warnings(none.stderr) == []
    shown = initialised.json("school", "add", "--code", "4", "--name", "โรงเรียนง", "--group", "ดอยหลวง")
    assert [w["group"] for w in shown["unknown_groups"]] == ["ดอยหลวง"]


def test_no_warning_without_group_targets(nitet, tmp_path):
    """A manual whose targets cover every school (no school_groups) expects no group."""
    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    for duty in data["duties"]:
        for row in duty["standards"]:
            if row.get("target", {}).get("school_groups"):
                del row["target"]
    manual = tmp_path / "office-only.yaml"
    manual.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    nitet("init", "--manual", manual)
    path = tmp_path / "schools.csv"
    path.write_text(CSV, encoding="utf-8")
    assert warnings(nitet("school", "import", path).stderr) == []
    assert nitet.json("status")["schools_outside_group_targets"] is None
    assert "ไม่อยู่ในกลุ่มของเป้าหมายรายกลุ่มใด" not in nitet("status").stdout


def test_status_counts_schools_under_no_group_target(initialised, tmp_path):
    path = tmp_path / "schools.csv"
    path.write_text(CSV, encoding="utf-8")
    initialised("school", "import", path)
    assert initialised.json("status")["schools_outside_group_targets"] == 4  # ดอยหลวง ×2, ในเมือง, no group
    out = initialised("status").stdout
    assert "โรงเรียน 4 โรงไม่อยู่ในกลุ่มของเป้าหมายรายกลุ่มใด (เป้าหมายใช้กลุ่ม: บ้านคู่, พื้นที่สูง)" in out
    initialised("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยหลวง", "--group", "บ้านคู่", "--update")
    assert initialised.json("status")["schools_outside_group_targets"] == 3
