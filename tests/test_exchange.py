"""Issue 6: `nitet export` (JSON, CSV for Excel, .zip with evidence) and `nitet import`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import zipfile

import pytest
from conftest import Nitet
from exchange_data import SCHOOLS, content, later, query, store_files, supervisor_db

from nitet_cli.db import connect
from nitet_cli.errors import EXIT_DATABASE, EXIT_INPUT, EXIT_NOT_FOUND
from nitet_cli.exchange import FORMAT, VERSION, check_export
from nitet_cli.maintenance import doctor


@pytest.fixture
def source(tmp_path, monkeypatch):
    monkeypatch.delenv("NITET_DB", raising=False)
    monkeypatch.setenv("NITET_TODAY", "2026-11-24")
    return supervisor_db(tmp_path / "a" / "nitet.db", "นางสาวมาลี ใจดี", tmp_path / "work-a")


@pytest.fixture
def target(tmp_path):
    nitet = Nitet(tmp_path / "b" / "nitet.db")
    (tmp_path / "b").mkdir()
    nitet("init")
    return nitet


def export_json(nitet: Nitet, path, *args) -> dict:
    nitet("export", "-o", path, *args)
    return json.loads(path.read_text(encoding="utf-8")) if path.suffix == ".json" else None


# --- the JSON shape -------------------------------------------------------------------------


def test_json_export_has_the_documented_shape(source, tmp_path):
    data = export_json(source, tmp_path / "a.json")
    assert data["format"] == FORMAT == "nitet-export" and data["version"] == VERSION == 2
    assert data["deletions"] == []  # nothing deleted yet
    assert [s["name"] for s in data["supervisors"]] == ["นางสาวมาลี ใจดี"]
    assert [s["code"] for s in data["schools"]] == sorted(s.code for s in SCHOOLS)
    assert len(data["activities"]) == 4
    first = data["activities"][0]
    assert first["date"] == "2026-11-02" and first["supervisor"] == data["supervisors"][0]["uuid"]
    assert first["standards"] == ["7.3"] and first["schools"] == ["05701002", "57010001"]
    kinds = sorted(e["kind"] for e in first["evidence"])
    assert kinds == ["file", "link"]
    photo = next(e for e in first["evidence"] if e["kind"] == "file")
    assert photo["original_name"] == "ภาพ นางสาวมาลี ใจดี 0.jpg" and len(photo["sha256"]) == 64 and photo["size"] > 0
    assert check_export(data)["activities"][0]["uuid"] == first["uuid"]  # what we write, we read


def test_export_to_stdout_is_the_json(source):
    result = source("export")
    data = json.loads(result.stdout)
    assert data["format"] == "nitet-export" and len(data["activities"]) == 4


def test_export_filters_by_school_and_standard(source, tmp_path):
    data = export_json(source, tmp_path / "s.json", "--school", "ดอยฮาง")
    assert [a["schools"] for a in data["activities"]] == [["05701002", "57010001"], ["05701002"]]
    assert sorted(s["code"] for s in data["schools"]) == ["05701002", "57010001"]
    data = export_json(source, tmp_path / "t.json", "--standard", "7.4")
    assert len(data["activities"]) == 2 and all("7.4" in a["standards"] for a in data["activities"])
    result = source("export", "--standard", "7.99", ok=False)
    assert result.exit_code == EXIT_NOT_FOUND and "7.99" in result.stderr


# --- round trip -----------------------------------------------------------------------------


def test_round_trip_with_evidence_archive_is_equal(source, target, tmp_path):
    archive = tmp_path / "a.zip"
    summary = source.json("export", "-o", archive, "--with-evidence")
    assert summary["evidence_files"] == 3 and summary["activities"] == 4
    with zipfile.ZipFile(archive) as z:
        names = z.namelist()
        assert names[0] == "export.json" and all(n.startswith("evidence/") for n in names[1:])
        for name in names[1:]:
            assert hashlib.sha256(z.read(name)).hexdigest() == name.removeprefix("evidence/")

    result = target.json("import", archive)
    assert result["activities_added"] == 4 and result["evidence_added"] == 6 and result["files_copied"] == 3
    assert result["schools_added"] == len(SCHOOLS) and result["supervisors_added"] == 1
    assert result["conflicts"] == []

    before, after = content(source.db_path), content(target.db_path)
    assert after["activities"] == before["activities"]  # every field, link, evidence row, timestamp
    assert after["schools"] == before["schools"]
    assert set(before["supervisors"]) <= set(after["supervisors"])
    # The imported supervisor is not the target's own.
    assert query(target.db_path, "SELECT count(*) FROM supervisors WHERE is_self = 1") == [(1,)]
    assert query(target.db_path, "SELECT is_self FROM supervisors WHERE name = 'นางสาวมาลี ใจดี'") == [(0,)]
    # Files are in the target's store, byte for byte.
    assert store_files(target.db_path) == store_files(source.db_path)
    conn = connect(target.db_path)
    try:
        report = doctor(conn, target.db_path)
    finally:
        conn.close()
    assert report.ok and report.evidence_checked == 3

    # And exporting the target again gives the same activities.
    again = export_json(target, tmp_path / "b.json")
    original = export_json(source, tmp_path / "a.json")
    assert again["activities"] == original["activities"]


def test_import_twice_adds_nothing(source, target, tmp_path):
    archive = tmp_path / "a.zip"
    source("export", "-o", archive, "--with-evidence")
    target("import", archive)
    snapshot, files = target.snapshot(), store_files(target.db_path)
    second = target.json("import", archive)
    assert second["changed"] is False and second["activities_unchanged"] == 4
    assert second["activities_added"] == second["evidence_added"] == second["files_copied"] == 0
    assert target.snapshot() == snapshot and store_files(target.db_path) == files
    human = target("import", archive)
    assert "ไม่มีอะไรเปลี่ยน" in human.stdout


def test_plain_json_import_when_files_are_already_there(source, tmp_path):
    """A JSON export read back into the database it came from changes nothing."""
    path = tmp_path / "a.json"
    source("export", "-o", path)
    snapshot = source.snapshot()
    result = source.json("import", path)
    assert result["changed"] is False and result["conflicts"] == [] and result["activities_unchanged"] == 4
    assert source.snapshot() == snapshot


def test_plain_json_without_the_files_is_refused(source, target, tmp_path):
    path = tmp_path / "a.json"
    source("export", "-o", path)
    snapshot = target.snapshot()
    result = target("import", path, ok=False)
    assert result.exit_code == EXIT_NOT_FOUND
    assert "ภาพ นางสาวมาลี ใจดี 0.jpg" in result.stderr and "--with-evidence" in result.stderr
    assert target.snapshot() == snapshot and store_files(target.db_path) == {}


# --- bad input ------------------------------------------------------------------------------


def _mutations():
    def set_path(data, path, value):
        node = data
        for key in path[:-1]:
            node = node[key]
        if value is KeyError:
            del node[path[-1]]
        else:
            node[path[-1]] = value

    cases = [
        (("activities", 3, "date"), "2026-13-45", "activities[3].date"),
        (("activities", 2, "title"), "", "activities[2].title"),
        (("activities", 1, "standards"), "7.3", "activities[1].standards"),
        (("activities", 0, "evidence", 0, "sha256"), "abc", "activities[0].evidence[0].sha256"),
        (("activities", 0, "evidence", 1, "kind"), "photo", "activities[0].evidence[1].kind"),
        (("activities", 2, "uuid"), KeyError, "activities[2].uuid"),
        (("activities", 1, "teachers"), -3, "activities[1].teachers"),
        (("activities", 3, "supervisor"), "11111111-1111-4111-8111-111111111111", "activities[3].supervisor"),
        (("schools", 1, "code"), "57-01", "schools[1].code"),
        (("supervisors", 0, "name"), None, "supervisors[0].name"),
        (("format",), "something-else", "format"),
        (("activities",), {"a": 1}, "activities"),
    ]
    return [pytest.param(path, value, where, set_path, id=where) for path, value, where in cases]


@pytest.mark.parametrize("path, value, where, set_path", _mutations())
def test_wrong_shape_names_the_first_wrong_field(source, target, tmp_path, path, value, where, set_path):
    data = export_json(source, tmp_path / "a.json")
    set_path(data, path, value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    snapshot = target.snapshot()
    result = target("import", bad, ok=False)
    assert result.exit_code == EXIT_INPUT
    assert f"ที่ {where}:" in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert target.snapshot() == snapshot


def test_the_first_of_two_wrong_fields_is_named(source, target, tmp_path):
    data = export_json(source, tmp_path / "a.json")
    data["activities"][1]["date"] = "yesterday"
    data["activities"][3]["kind"] = "party"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = target("import", bad, ok=False)
    assert "activities[1].date" in result.stderr and "activities[3]" not in result.stderr


def test_newer_version_and_broken_json_and_a_database(source, target, tmp_path):
    data = export_json(source, tmp_path / "a.json")
    snapshot = target.snapshot()
    data["version"] = VERSION + 1
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data), encoding="utf-8")
    result = target("import", newer, ok=False)
    assert result.exit_code == EXIT_INPUT and "ใหม่กว่า" in result.stderr

    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "nitet-export",\n "version": 1,\n "activities": [}', encoding="utf-8")
    result = target("import", broken, ok=False)
    assert result.exit_code == EXIT_INPUT and "บรรทัด 3" in result.stderr

    result = target("import", source.db_path, ok=False)  # a database, not an export
    assert result.exit_code == EXIT_INPUT and "nitet merge" in result.stderr

    table = tmp_path / "activities.csv"
    source("export", "-o", table)
    result = target("import", table, ok=False)
    assert result.exit_code == EXIT_INPUT and "nitet school import" in result.stderr

    legacy = tmp_path / "legacy.json"  # saved by an old Thai Windows editor
    legacy.write_bytes('{"format": "nitet-export", "title": "นิเทศ"}'.encode("cp874"))
    result = target("import", legacy, ok=False)
    assert result.exit_code == EXIT_INPUT and "ไม่ใช่ข้อความ UTF-8 (ไบต์ที่" in result.stderr

    result = target("import", tmp_path / "missing.json", ok=False)
    assert result.exit_code == EXIT_NOT_FOUND
    assert target.snapshot() == snapshot


def test_unknown_standard_is_named_and_nothing_written(source, target, tmp_path):
    data = export_json(source, tmp_path / "a.json")
    data["activities"][2]["standards"] = ["7.3", "7.99"]
    for a in data["activities"]:
        a["evidence"] = [e for e in a["evidence"] if e["kind"] == "link"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    snapshot = target.snapshot()
    result = target("import", bad, ok=False)
    assert result.exit_code == EXIT_NOT_FOUND
    assert "'7.99'" in result.stderr and "activities[2].standards[1]" in result.stderr
    assert target.snapshot() == snapshot


def test_tampered_evidence_in_the_archive_is_refused(source, target, tmp_path):
    archive = tmp_path / "a.zip"
    source("export", "-o", archive, "--with-evidence")
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tampered, "w") as dst:
        for i, name in enumerate(src.namelist()):
            payload = src.read(name)
            if name.startswith("evidence/") and i == 2:
                payload = payload[:-1] + b"X"
            dst.writestr(name, payload)
    snapshot = target.snapshot()
    result = target("import", tampered, ok=False)
    assert result.exit_code == EXIT_INPUT and "SHA-256" in result.stderr
    assert target.snapshot() == snapshot and store_files(target.db_path) == {}

    broken = tmp_path / "broken.zip"
    broken.write_bytes(archive.read_bytes()[:200])
    result = target("import", broken, ok=False)
    assert result.exit_code == EXIT_INPUT
    assert target.snapshot() == snapshot


def test_a_zip_cut_short_is_named_a_damaged_zip(source, target, tmp_path):
    """A .zip that lost its end (a download or a copy cut short) has no central directory, so
    zipfile does not recognise it; it is still a damaged zip, never read as JSON ("not UTF-8")."""
    archive = tmp_path / "a.zip"
    source("export", "-o", archive, "--with-evidence")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    snapshot = target.snapshot()
    result = target("import", cut, ok=False)
    assert result.exit_code == EXIT_INPUT
    assert "zip ที่เสียหาย" in result.stderr and "UTF-8" not in result.stderr and "JSON" not in result.stderr
    assert target.snapshot() == snapshot and store_files(target.db_path) == {}


def test_an_evidence_file_in_the_zip_over_the_limit_is_refused_before_it_is_unpacked(
    source, target, tmp_path, monkeypatch
):
    """A small zip can hold a huge file of zeros (a "zip bomb"): it is refused from its declared
    size with the evidence limit named, instead of being unpacked onto the disk to be hashed."""
    from nitet_cli import evidence_store

    archive = tmp_path / "a.zip"
    source("export", "-o", archive, "--with-evidence")
    data = json.loads(zipfile.ZipFile(archive).read("export.json"))
    bomb_sha = "ab" * 32
    data["activities"][0]["evidence"] = [
        {"uuid": "0f0f0f0f-1d2a-4b7c-9e0f-123456789abc", "kind": "file", "sha256": bomb_sha, "original_name": "x.jpg"}
    ]
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("export.json", json.dumps(data))
        z.writestr("evidence/" + bomb_sha, b"\0" * (3 * 1024 * 1024))  # 3 MB of zeros, a few KB in the zip
    assert bomb.stat().st_size < 100_000
    monkeypatch.setattr(evidence_store, "MAX_FILE_BYTES", 1024 * 1024)  # the limit, made small for the test
    snapshot = target.snapshot()
    result = target("import", bomb, ok=False)
    assert result.exit_code == EXIT_INPUT
    assert "ใหญ่เกินขีดจำกัด 1 MB" in result.stderr and "evidence/" + bomb_sha in result.stderr
    assert target.snapshot() == snapshot and store_files(target.db_path) == {}
    assert not any(p.name.startswith(".incoming") for p in (target.db_path.parent / "nitet-evidence").glob("*"))


def test_import_into_a_foreign_database_is_refused(source, tmp_path):
    path = tmp_path / "a.json"
    source("export", "-o", path)
    foreign = tmp_path / "photos.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO photos (name) VALUES ('x')")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    result = Nitet(foreign)("import", path, ok=False)
    assert result.exit_code == EXIT_DATABASE and "ไม่ใช่ของ nitet" in result.stderr
    assert foreign.read_bytes() == before


# --- disagreements --------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(sqlite3.Connection, "setlimit"), reason="Connection.setlimit: Python 3.11+")
def test_a_newer_copy_with_more_evidence_than_sqlite_takes_parameters_is_imported(
    source, target, tmp_path, monkeypatch
):
    """The evidence an entry's newer copy no longer has was found with "uuid NOT IN (?, ?, …)", one
    parameter per piece kept: an entry with more pieces than SQLite's parameter limit (250,000 in
    Debian's SQLite, 32,766 in others; 100 here) failed as "too many SQL variables" (exit 4)."""
    archive = tmp_path / "a.zip"
    source("export", "-o", archive, "--with-evidence")
    target("import", archive)
    data = export_json(source, tmp_path / "a.json")
    entry = data["activities"][0]
    kept = next(e for e in entry["evidence"] if e["kind"] == "file")
    entry["evidence"] = [kept] + [
        {"uuid": f"00000000-0000-4000-8000-{n:012d}", "kind": "link", "url": f"https://example.org/{n}"}
        for n in range(150)
    ]
    entry["updated_at"] = later()
    (tmp_path / "more.json").write_text(json.dumps(data), encoding="utf-8")

    real_connect = sqlite3.connect

    def with_few_parameters(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 100)
        return conn

    monkeypatch.setattr(sqlite3, "connect", with_few_parameters)
    target("import", tmp_path / "more.json")
    monkeypatch.undo()
    rows = target.query(
        "SELECT e.kind, e.uuid FROM evidence e JOIN activities a ON a.id = e.activity_id WHERE a.uuid = ?",
        (entry["uuid"],),
    )
    assert sorted(uuid for _kind, uuid in rows) == sorted(e["uuid"] for e in entry["evidence"])  # the old link gone
    conn = connect(target.db_path)
    try:
        assert doctor(conn, target.db_path).ok
    finally:
        conn.close()


def test_disagreement_is_reported_and_the_newer_kept(source, target, tmp_path):
    archive = tmp_path / "a.zip"
    source("export", "-o", archive, "--with-evidence")
    target("import", archive)
    data = export_json(source, tmp_path / "a.json")
    edited = data["activities"][0]
    edited["title"] = "นิเทศ (แก้ไขภายหลัง)"
    edited["updated_at"] = later()
    data["activities"][1]["title"] = "แก้ไขแต่เก่ากว่า"
    data["activities"][1]["updated_at"] = "2020-01-01T00:00:00+00:00"
    data["schools"][0]["name"] = "โรงเรียนบ้านดอยฮาง (ชื่อใหม่)"
    data["schools"][0]["updated_at"] = later()
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    result = target.json("import", path)
    assert result["activities_updated"] == 1 and result["activities_unchanged"] == 2 and result["schools_updated"] == 1
    kept = {(c["kind"], c["key"]): c for c in result["conflicts"]}
    assert kept[("activity", edited["uuid"])]["kept"] == "source" and kept[("activity", edited["uuid"])]["fields"] == [
        "title"
    ]
    assert kept[("activity", data["activities"][1]["uuid"])]["kept"] == "target"
    assert kept[("school", "05701002")]["kept"] == "source"
    titles = dict(query(target.db_path, "SELECT uuid, title FROM activities"))
    assert titles[edited["uuid"]] == "นิเทศ (แก้ไขภายหลัง)"
    assert titles[data["activities"][1]["uuid"]] != "แก้ไขแต่เก่ากว่า"
    human = target("import", path)
    assert "ไม่ตรงกันที่ title" in human.stdout and "คงข้อมูลเดิม" in human.stdout


# --- CSV for Excel --------------------------------------------------------------------------


def test_csv_starts_with_a_bom_and_reads_back_in_thai(source, tmp_path):
    with sqlite3.connect(source.db_path) as conn:  # 03:30 the next morning in Thailand
        conn.execute("UPDATE activities SET updated_at = '2026-11-24T20:30:00+00:00' WHERE id = 1")
    conn.close()
    out = tmp_path / "กิจกรรม.csv"
    summary = source.json("export", "-o", out)  # the format follows the suffix
    assert summary["format"] == "csv"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(out, encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
        handle.seek(0)
        rows = list(csv.DictReader(handle))
    # Issue 12: the ID first (the number show/edit take), the term, Thai time, the UUID last under a Thai header
    assert header == [
        "ID",
        "ภาคเรียน",
        "วันที่",
        "วันที่ (พ.ศ.)",
        "ศึกษานิเทศก์",
        "ประเภท",
        "รูปแบบ",
        "ชื่อกิจกรรม",
        "มาตรฐาน",
        "รหัสโรงเรียน",
        "โรงเรียน",
        "ผลการนิเทศ",
        "ข้อเสนอแนะ",
        "ผู้เข้าร่วม",
        "จำนวนครู",
        "หลักฐาน",
        "แก้ไขล่าสุด",
        "รหัสอ้างอิง (UUID)",
    ]
    assert len(rows) == 4
    first = rows[0]
    assert first["ID"] == "1" and first["ภาคเรียน"] == "2/2569"
    assert first["แก้ไขล่าสุด"] == "2026-11-25 03:30:00+07:00"
    assert first["รหัสอ้างอิง (UUID)"] == source.query("SELECT uuid FROM activities WHERE id = 1")[0][0]
    assert first["วันที่"] == "2026-11-02" and first["วันที่ (พ.ศ.)"] == "2 พ.ย. 2569"
    assert first["ศึกษานิเทศก์"] == "นางสาวมาลี ใจดี"
    assert first["ประเภท"] == "นิเทศโรงเรียน" and first["รูปแบบ"] == "ลงพื้นที่"
    assert first["รหัสโรงเรียน"] == "05701002; 57010001"  # leading zero kept
    assert first["โรงเรียน"] == "โรงเรียนบ้านดอยฮาง; โรงเรียนบ้านคู่"
    assert first["ผลการนิเทศ"] == "ครูใช้แบบฝึกอ่าน\nนักเรียนอ่านคล่อง 80%"  # a newline inside a cell survives
    assert first["ข้อเสนอแนะ"] == "ควรเพิ่มเวลาอ่าน, ทุกวัน"
    assert first["หลักฐาน"].startswith("ภาพ นางสาวมาลี ใจดี 0.jpg; https://drive.google.com/")
    meeting = rows[3]
    assert meeting["ชื่อกิจกรรม"] == "ประชุมสรุปผล <&> {{ x }} (นางสาวมาลี ใจดี)" and meeting["จำนวนครู"] == ""


def test_schools_csv(source, tmp_path):
    out = tmp_path / "schools.csv"
    source("export", "--format", "csv", "--what", "schools", "-o", out)
    text = out.read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["รหัสโรงเรียน", "ชื่อโรงเรียน", "กลุ่มโรงเรียน", "อำเภอ"]
    assert rows[1] == ["05701002", "โรงเรียนบ้านดอยฮาง", "บ้านคู่", "เมืองเชียงราย"]
    assert ["57010004", 'โรงเรียนอนุบาล, เชียงราย "ตัวอย่าง"', "", "เมืองเชียงราย"] in rows


def test_export_option_mistakes(source, tmp_path):
    result = source("export", "--format", "ods", "-o", tmp_path / "x.ods", ok=False)
    assert result.exit_code == EXIT_INPUT and "json, csv หรือ xlsx" in result.stderr
    result = source("export", "--with-evidence", ok=False)
    assert result.exit_code == EXIT_INPUT and "-o" in result.stderr
    result = source("export", "--with-evidence", "-o", tmp_path / "a.json", ok=False)
    assert result.exit_code == EXIT_INPUT and "a.zip" in result.stderr and not (tmp_path / "a.json").exists()
    result = source("export", "--what", "schools", "-o", tmp_path / "s.json", ok=False)
    assert result.exit_code == EXIT_INPUT and "csv" in result.stderr
    result = source("export", "-o", tmp_path / "nowhere" / "a.json", ok=False)
    assert result.exit_code == 5
    assert not list(tmp_path.glob("**/.a.json*"))


def test_export_school_completion_through_the_shell(source, monkeypatch):
    """`nitet export --school 5701<Tab>` offers the school codes of the database given with --db."""
    result = source.runner.invoke(
        source_app(),
        [],
        prog_name="nitet",
        env={
            "_NITET_COMPLETE": "complete_zsh",
            "_TYPER_COMPLETE_ARGS": f"nitet --db {source.db_path} export --school 5701",
        },
    )
    assert "57010001" in result.stdout and "โรงเรียนบ้านคู่" in result.stdout
    assert "05701002" not in result.stdout
    result = source.runner.invoke(
        source_app(),
        [],
        prog_name="nitet",
        env={
            "_NITET_COMPLETE": "complete_bash",
            "COMP_WORDS": f"nitet --db {source.db_path} export --school บ้านดอย",
            "COMP_CWORD": "5",
        },
    )
    assert result.stdout.split("\n")[0] == "บ้านดอยฮาง"


def source_app():
    from nitet_cli.cli import app

    return app


def test_a_failure_inside_the_transaction_writes_nothing_and_takes_copied_files_away(source, target, tmp_path):
    """SQLite refusing a row half-way (here a trigger, as a full disk would) leaves the target as it was."""
    archive = tmp_path / "a.zip"
    source("export", "-o", archive, "--with-evidence")
    conn = sqlite3.connect(target.db_path)
    conn.execute(
        "CREATE TRIGGER refuse_third BEFORE INSERT ON activities WHEN (SELECT count(*) FROM activities) >= 2"
        " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    conn.commit()
    conn.close()
    snapshot = target.snapshot()
    result = target("import", archive, ok=False)
    assert result.exit_code == EXIT_DATABASE and "disk full" in result.stderr and "ไม่มีการเปลี่ยนแปลง" in result.stderr
    assert target.snapshot() == snapshot
    assert store_files(target.db_path) == {}


def test_import_into_a_damaged_database_is_refused_untouched(source, tmp_path):
    path = tmp_path / "a.json"
    source("export", "-o", path)
    damaged = tmp_path / "damaged.db"
    conn = sqlite3.connect(source.db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    damaged.write_bytes(source.db_path.read_bytes())
    with open(damaged, "r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\xff" * 4096 * 25)
    before = damaged.read_bytes()
    result = Nitet(damaged)("import", path, ok=False)
    assert result.exit_code == EXIT_DATABASE and "เสียหาย" in result.stderr and "Traceback" not in result.output
    assert damaged.read_bytes() == before
