"""nitet school add / import / list, through the CLI, and the school resolver."""

from __future__ import annotations

import pytest

BOM = "\ufeff"
GOOD_CSV = (
    "code,name,group,district\n"
    "0157010001,โรงเรียนบ้านคู่,บ้านคู่,เมืองเชียงราย\n"
    "57010002,โรงเรียนดอยงาม,พื้นที่สูง,แม่สรวย\n"
    '57010003,"โรงเรียนบ้านสันทราย, สาขา",ริมกก,เมืองเชียงราย\n'
)


def write(tmp_path, text: str, name="schools.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_add_and_list(initialised):
    nitet = initialised
    out = nitet(
        "school", "add", "--code", "0157010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่", "--district", "เมือง"
    )
    assert "เพิ่มโรงเรียน" in out.stdout
    data = nitet.json("school", "list")
    assert data == [{"code": "0157010001", "name": "โรงเรียนบ้านคู่", "group": "บ้านคู่", "district": "เมือง"}]
    # the leading zero is kept: codes are text
    assert nitet.query("SELECT code, typeof(code) FROM schools") == [("0157010001", "text")]
    assert "โรงเรียนบ้านคู่" in nitet("school", "list").stdout


def test_add_json_and_thai_digits_in_code(initialised):
    data = initialised.json("school", "add", "--code", "๕๗๐๑๐๐๐๕", "--name", "โรงเรียนห้วยไคร้")
    assert data["code"] == "57010005" and data["result"] == "added"


def test_add_same_school_twice_changes_nothing(initialised):
    nitet = initialised
    nitet("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    before = nitet.snapshot()
    data = nitet.json("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    assert data["result"] == "unchanged"
    assert nitet.snapshot() == before


def test_add_existing_code_with_other_data_refused_unless_update(initialised):
    nitet = initialised
    nitet("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    before = nitet.snapshot()
    result = nitet("school", "add", "--code", "57010002", "--name", "โรงเรียนอื่น", ok=False)
    assert result.exit_code == 2
    assert "มีโรงเรียนรหัส 57010002 อยู่แล้ว" in result.stderr and "--update" in result.stderr
    assert nitet.snapshot() == before
    data = nitet.json(
        "school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงามใหม่", "--group", "พื้นที่สูง", "--update"
    )
    assert data["result"] == "updated"
    assert nitet.query("SELECT name FROM schools") == [("โรงเรียนดอยงามใหม่",)]


@pytest.mark.parametrize(
    "args, words",
    [
        (["--code", "", "--name", "โรงเรียนก"], "ไม่มีรหัสโรงเรียน"),
        (["--code", "57-01", "--name", "โรงเรียนก"], "ตัวเลข/ตัวอักษรล้วน"),
        (["--code", "57010009", "--name", "   "], "ไม่มีชื่อ"),
    ],
)
def test_add_bad_input_refused(initialised, args, words):
    before = initialised.snapshot()
    result = initialised("school", "add", *args, ok=False)
    assert result.exit_code == 2
    assert words in result.stderr and result.stderr.startswith("ข้อผิดพลาด:")
    assert "Traceback" not in result.output
    assert initialised.snapshot() == before


def test_add_cleans_text(initialised):
    initialised("school", "add", "--code", "57010010", "--name", "โรงเรียน\x00บ้าน\x0bใหม่ ", "--group", "กลุ่ม\x1f๑")
    assert initialised.query("SELECT name, school_group FROM schools") == [("โรงเรียนบ้านใหม่", "กลุ่ม๑")]


@pytest.mark.parametrize("bom", ["", BOM])
def test_import_utf8_with_or_without_bom(initialised, tmp_path, bom):
    nitet = initialised
    data = nitet.json("school", "import", write(tmp_path, bom + GOOD_CSV))
    assert data.pop("unknown_groups")[0]["group"] == "ริมกก"  # a group the manual's targets do not name
    assert data == {"rows": 3, "added": 3, "updated": 0, "unchanged": 0}
    rows = nitet.query("SELECT code, name, school_group, district FROM schools ORDER BY code")
    assert rows[0] == ("0157010001", "โรงเรียนบ้านคู่", "บ้านคู่", "เมืองเชียงราย")
    assert rows[-1][1] == "โรงเรียนบ้านสันทราย, สาขา"


def test_import_crlf_and_thai_headers_and_semicolons(initialised, tmp_path):
    text = BOM + "รหัสโรงเรียน;ชื่อโรงเรียน;กลุ่มโรงเรียน;อำเภอ\r\n57010002;โรงเรียนดอยงาม;พื้นที่สูง;แม่สรวย\r\n\r\n"
    data = initialised.json("school", "import", write(tmp_path, text))
    assert data["added"] == 1
    assert initialised.query("SELECT code, school_group FROM schools") == [("57010002", "พื้นที่สูง")]


def test_import_removes_invisible_characters_from_codes(initialised, tmp_path):
    """A zero-width space or a direction mark pasted into a code is removed (the code is what
    the eye sees); a no-break space is refused with the space written out."""
    csv_file = tmp_path / "s.csv"
    csv_file.write_text("code,name\n5701\u200b0001,โรงเรียนบ้านคู่\n\u200e๕๗๐๑๐๐๐๒,โรงเรียนดอยงาม\n", encoding="utf-8")
    initialised("school", "import", csv_file)
    assert initialised.query("SELECT code FROM schools ORDER BY code") == [("57010001",), ("57010002",)]
    csv_file.write_text("code,name\n5701\u00a00003,โรงเรียนห้วยไคร้\n", encoding="utf-8")
    result = initialised("school", "import", csv_file, ok=False)
    assert result.exit_code == 2 and "5701\\u00a00003" in result.stderr


def test_import_upserts_by_code(initialised, tmp_path):
    nitet = initialised
    nitet("school", "import", write(tmp_path, GOOD_CSV))
    changed = GOOD_CSV.replace("โรงเรียนดอยงาม", "โรงเรียนดอยงามวิทยา") + "57010004,โรงเรียนใหม่,บ้านคู่,\n"
    data = nitet.json("school", "import", write(tmp_path, changed, "v2.csv"))
    assert [w["group"] for w in data.pop("unknown_groups")] == ["ริมกก"]
    assert data == {"rows": 4, "added": 1, "updated": 1, "unchanged": 2}
    assert nitet.query("SELECT name FROM schools WHERE code = '57010002'") == [("โรงเรียนดอยงามวิทยา",)]
    assert nitet.query("SELECT count(*) FROM schools") == [(4,)]
    out = nitet("school", "import", write(tmp_path, changed, "v2.csv")).stdout
    assert "ไม่เปลี่ยน 4" in out


def test_import_every_bad_row_with_line_number_nothing_imported(initialised, tmp_path):
    nitet = initialised
    nitet("school", "add", "--code", "99999999", "--name", "โรงเรียนเดิม")
    before = nitet.snapshot()
    text = (
        "code,name,group,district\n"
        "57010001,โรงเรียนหนึ่ง,บ้านคู่,เมือง\n"  # line 2: fine
        ",โรงเรียนไม่มีรหัส,บ้านคู่,เมือง\n"  # line 3
        "57010003,,บ้านคู่,เมือง\n"  # line 4
        '57010004,"โรงเรียน\nสองบรรทัด",บ้านคู่,เมือง\n'  # lines 5-6: a quoted newline is fine
        "57010001,โรงเรียนซ้ำ,บ้านคู่,เมือง\n"  # line 7: duplicate of line 2
        "57010008,โรงเรียนแปด,บ้านคู่,เมือง,เกิน\n"  # line 8: too many fields
        "57-010,โรงเรียนเก้า,,\n"  # line 9
    )
    result = nitet("school", "import", write(tmp_path, BOM + text), ok=False)
    assert result.exit_code == 2
    err = result.stderr
    assert "5 แถว" in err and "ไม่ได้นำเข้าเลย" in err
    for line in ("บรรทัด 3:", "บรรทัด 4:", "บรรทัด 7:", "บรรทัด 8:", "บรรทัด 9:"):
        assert line in err, err
    assert "บรรทัด 2:" not in err and "บรรทัด 5:" not in err
    assert "ซ้ำกับบรรทัด 2" in err
    assert nitet.snapshot() == before


@pytest.mark.parametrize(
    "content, encoding, words",
    [
        ("code,name\n57010001,โรงเรียนหนึ่ง\n", "cp874", "UTF-8"),  # Thai Excel's legacy CSV
        ("", "utf-8", "ไฟล์ว่าง"),
        ("name,group\nโรงเรียนหนึ่ง,บ้านคู่\n", "utf-8", "ไม่พบ code"),
        ("code,name,group,district\n", "utf-8", "ไม่มีแถวข้อมูล"),
    ],
)
def test_import_bad_files_refused(initialised, tmp_path, content, encoding, words):
    before = initialised.snapshot()
    result = initialised("school", "import", write(tmp_path, content, encoding=encoding), ok=False)
    assert result.exit_code == 2
    assert words in result.stderr
    assert initialised.snapshot() == before


def test_import_missing_file(initialised, tmp_path):
    before = initialised.snapshot()
    result = initialised("school", "import", tmp_path / "nope.csv", ok=False)
    assert result.exit_code == 3 and "ไม่พบไฟล์" in result.stderr
    assert initialised.snapshot() == before


def test_list_by_group(initialised, tmp_path):
    nitet = initialised
    nitet("school", "import", write(tmp_path, GOOD_CSV))
    data = nitet.json("school", "list", "--group", "พื้นที่สูง")
    assert [s["code"] for s in data] == ["57010002"]
    result = nitet("school", "list", "--group", "บ้านค", ok=False)
    assert result.exit_code == 3 and "บ้านคู่" in result.stderr


def test_list_empty(initialised):
    assert initialised.json("school", "list") == []
    assert "ยังไม่มีโรงเรียน" in initialised("school", "list").stdout


def test_resolver(initialised, tmp_path):
    from nitet_cli.db import connect
    from nitet_cli.errors import InputError, NotFoundError
    from nitet_cli.schools import resolve_school

    initialised("school", "import", write(tmp_path, GOOD_CSV + "57010005,โรงเรียนบ้านคู่ใต้,บ้านคู่,\n"))
    conn = connect(initialised.db_path)
    try:
        assert resolve_school(conn, "57010002").name == "โรงเรียนดอยงาม"
        assert resolve_school(conn, "ดอยงาม").code == "57010002"
        assert resolve_school(conn, "โรงเรียนบ้านคู่").code == "0157010001"  # exact name beats a part
        with pytest.raises(InputError) as ambiguous:
            resolve_school(conn, "บ้านคู่")
        assert "0157010001" in ambiguous.value.message and "57010005" in ambiguous.value.message
        with pytest.raises(NotFoundError) as unknown:
            resolve_school(conn, "ดอยงาน")
        assert "ดอยงาม" in unknown.value.message
    finally:
        conn.close()


@pytest.mark.parametrize(
    "typed",
    ["5701\u200b0002", "\u2060๕๗๐๑๐๐๐๒", "57010002\ufeff", "5701\u00ad0002"],
    ids=["zero-width-space", "word-joiner-thai-digits", "bom", "soft-hyphen"],
)
def test_a_code_typed_with_invisible_characters_names_the_school(initialised, tmp_path, typed):
    """A code pasted from a spreadsheet or a chat with a character that shows nothing inside it
    is the same code for log-visit as for 'school add' and 'school import' (clean_school_code)."""
    initialised("school", "import", write(tmp_path, GOOD_CSV))
    result = initialised("log-visit", "--school", typed, "--title", "นิเทศ", "--standard", "7.3", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert initialised.query("SELECT school_code FROM activity_schools") == [("57010002",)]
