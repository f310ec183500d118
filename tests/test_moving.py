"""Issue 11 item 5: moving to a new computer — `nitet import --as-owner` into a fresh database makes
the export's owner this database's owner (profile included), and exports carry the announced term
dates, which import restores (a disagreement reported like any other)."""

from __future__ import annotations

import json
import zipfile

import pytest
from conftest import Nitet, docx_text
from exchange_data import content, store_files, supervisor_db

NAME = "นางสาวสมใจ ใฝ่ดี"
OFFICE = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาน่าน เขต ๒"
ENDORSER = "นายประเสริฐ มั่นคง"
SAMPLE = "นายรณชัย สิงห์คำ"
PROFILE_COLUMNS = (
    "uuid, name, position, academic_standing, work_unit, work_group, office, agency, ministry,"
    " endorser_name, endorser_position, updated_at"
)


@pytest.fixture
def old(tmp_path) -> Nitet:
    """The old computer's database: the owner's own profile and endorser, schools, visits with
    photos, a deleted entry, and the term dates the office announced."""
    nitet = supervisor_db(tmp_path / "old" / "nitet.db", NAME, tmp_path / "work")
    nitet("profile", "set", "--office", OFFICE, "--endorser-name", ENDORSER, "--endorser-position", "ผู้อำนวยการกลุ่มนิเทศ")
    nitet("term", "set", "2569", "2", "--start", "2/11/2569", "--end", "31/3/2570")
    nitet("term", "set", "2569", "1", "--start", "16/5/2569", "--end", "10/10/2569")
    first = nitet.query("SELECT id FROM activities ORDER BY id LIMIT 1")[0][0]
    nitet("delete", str(first), "--yes")
    return nitet


def export(nitet: Nitet, out) -> None:
    nitet("export", "--with-evidence", "-o", out)


def owner(nitet: Nitet) -> tuple:
    return nitet.query(f"SELECT {PROFILE_COLUMNS} FROM supervisors WHERE is_self = 1")[0]


def fresh(tmp_path, name: str = "new") -> Nitet:
    nitet = Nitet(tmp_path / name / "nitet.db")
    (tmp_path / name).mkdir()
    nitet("init")  # from a script: the bundled sample profile
    return nitet


def test_as_owner_moves_everything_as_the_owners_own(old, tmp_path):
    move = tmp_path / "move.zip"
    export(old, move)
    new = fresh(tmp_path)
    result = new("import", move, "--as-owner")
    assert f"เจ้าของฐานข้อมูลนี้คือ {NAME}" in result.stdout

    assert owner(new) == owner(old)  # the same person: UUID, profile, endorser
    assert new.query("SELECT count(*) FROM supervisors") == [(1,)]  # no "imported supervisor"
    assert content(new.db_path) == content(old.db_path)  # every entry under the owner, evidence included
    assert store_files(new.db_path) == store_files(old.db_path)
    assert new.query("SELECT * FROM terms ORDER BY year, term") == old.query("SELECT * FROM terms ORDER BY year, term")
    assert new.query("SELECT uuid, kind FROM deletions") == old.query("SELECT uuid, kind FROM deletions")
    assert new.json("profile", "show")["sample"] is False
    assert new.json("doctor")["ok"] is True

    report = tmp_path / "r.docx"
    new("report", "--term", "2", "-o", report)
    text = docx_text(report)
    assert f"({NAME})" in text and f"({ENDORSER})" in text and SAMPLE not in text
    status = new.json("status", "--year", "2569", "--term", "2")
    assert [s["name"] for s in status["supervisors"]] == [NAME] and status["supervisors"][0]["is_self"] is True

    # Later exports go both ways as the same person: nothing changes, nothing is reported.
    back = tmp_path / "back.zip"
    export(new, back)
    again = old.json("import", back)
    assert again["changed"] is False and again["conflicts"] == []


def test_without_as_owner_the_entries_stay_a_colleagues(old, tmp_path):
    """From a script, without --as-owner, an import is a colleague's work, as before."""
    move = tmp_path / "move.zip"
    export(old, move)
    new = fresh(tmp_path)
    result = new.json("import", move)
    assert result["owner_taken"] is None
    assert owner(new)[1] == SAMPLE
    assert new.query("SELECT name, is_self FROM supervisors ORDER BY is_self") == [(NAME, 0), (SAMPLE, 1)]


@pytest.mark.parametrize("answer, taken", [("y", True), ("n", False)])
def test_a_terminal_asks(old, tmp_path, monkeypatch, answer, taken):
    from nitet_cli.cli import common

    move = tmp_path / "move.zip"
    export(old, move)
    new = fresh(tmp_path)
    monkeypatch.setattr(common, "is_interactive", lambda: True)
    result = new("import", move, input=f"{answer}\n")
    assert f"ไฟล์นี้เป็นงานของ {NAME} และฐานข้อมูลนี้ยังใหม่" in result.output
    assert (owner(new)[1] == NAME) is taken
    # A database that is not fresh any more is not asked.
    again = new("import", move, input="")
    assert "ฐานข้อมูลนี้ยังใหม่" not in again.output


def refused(nitet: Nitet, *args, words=()) -> None:
    before, files = nitet.snapshot(), store_files(nitet.db_path)
    result = nitet(*args, ok=False)
    assert result.exit_code == 2 and result.stderr.startswith("ข้อผิดพลาด: "), result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    for word in words:
        assert word in result.stderr
    assert nitet.snapshot() == before and store_files(nitet.db_path) == files


def test_as_owner_refused_on_a_database_with_activities(old, tmp_path):
    move = tmp_path / "move.zip"
    export(old, move)
    new = fresh(tmp_path)
    new("log", "1.1", "--kind", "meeting", "--title", "ประชุมที่เครื่องใหม่")
    refused(new, "import", move, "--as-owner", words=["--as-owner", "กิจกรรมแล้ว 1 รายการ"])


def test_as_owner_refused_on_someone_elses_database(old, tmp_path):
    move = tmp_path / "move.zip"
    export(old, move)
    other = Nitet(tmp_path / "other.db")
    other("init", "--name", "นายอื่น คนละคน", "--office", OFFICE)
    refused(other, "import", move, "--as-owner", words=["นายอื่น คนละคน"])
    # The same name typed at init on the new computer is the same person: allowed.
    same = Nitet(tmp_path / "same.db")
    same("init", "--name", NAME, "--office", OFFICE)
    same("import", move, "--as-owner")
    assert owner(same) == owner(old)


def test_as_owner_refused_for_a_group_database_export(old, tmp_path):
    group = Nitet(tmp_path / "group.db")
    group("merge", old.db_path, "--into", tmp_path / "group.db")
    out = tmp_path / "group.json"
    group("export", "-o", out)
    assert json.loads(out.read_text(encoding="utf-8"))["owner"] is None
    new = fresh(tmp_path)
    refused(new, "import", out, "--as-owner", words=["ไม่มีเจ้าของ"])


def test_as_owner_with_an_export_that_does_not_name_its_owner(old, tmp_path):
    """A file written before `owner` (a version-2 file without it): its only supervisor is the owner."""
    out = tmp_path / "old.json"
    old("export", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    del data["owner"], data["terms"]
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    new = fresh(tmp_path)
    # The photos are in the old store only: copy the store as a .json import expects.
    new_store = new.db_path.with_name("nitet-evidence")
    for path, payload in store_files(old.db_path).items():
        (new_store / path).parent.mkdir(parents=True, exist_ok=True)
        (new_store / path).write_bytes(payload)
    new("import", out, "--as-owner")
    assert owner(new)[:2] == owner(old)[:2]
    assert new.query("SELECT count(*) FROM terms") == [(0,)]  # the file had none: nothing to restore


# --- term dates travel ---------------------------------------------------------------------------


def test_terms_travel_and_disagreements_are_reported(old, tmp_path):
    out = tmp_path / "x.json"
    old("export", "-o", out)
    assert json.loads(out.read_text(encoding="utf-8"))["terms"] == [
        {"year": 2569, "term": 1, "start": "2026-05-16", "end": "2026-10-10"},
        {"year": 2569, "term": 2, "start": "2026-11-02", "end": "2027-03-31"},
    ]
    colleague = supervisor_db(tmp_path / "colleague.db", "นายเพื่อน ร่วมงาน", tmp_path / "cwork", visits=0)
    colleague("term", "set", "2569", "2", "--start", "1/11/2569", "--end", "31/3/2570")
    data = json.loads(out.read_text(encoding="utf-8"))
    for a in data["activities"]:
        a["evidence"] = [e for e in a["evidence"] if e["kind"] == "link"]
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = colleague("import", out)
    assert (
        "! ภาคเรียน 2/2569 ใน" in result.stdout
        and "(2026-11-02 – 2027-03-31) ไม่ตรงกับวันที่ที่กำหนดไว้ในฐานข้อมูลนี้ (2026-11-01 – 2027-03-31)" in result.stdout
    )
    assert "nitet term set 2569 2 --start" in result.stdout
    assert colleague.query("SELECT year, term, start_date, end_date FROM terms ORDER BY term") == [
        (2569, 1, "2026-05-16", "2026-10-10"),  # added: the colleague had not set it
        (2569, 2, "2026-11-01", "2027-03-31"),  # kept as the colleague set it
    ]
    again = colleague.json("import", out)
    assert again["terms_added"] == 0 and [c["kind"] for c in again["conflicts"]] == ["term"]


def test_a_term_that_would_overlap_is_reported_not_added(old, tmp_path):
    out = tmp_path / "x.json"
    old("export", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    data["activities"], data["deletions"] = [], []
    data["terms"] = [{"year": 2569, "term": 1, "start": "2026-05-16", "end": "2026-11-05"}]
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    target = fresh(tmp_path)
    target("term", "set", "2569", "2", "--start", "1/11/2569", "--end", "31/3/2570")
    result = target.json("import", out)
    assert result["terms_added"] == 0
    (conflict,) = [c for c in result["conflicts"] if c["kind"] == "term"]
    assert "ทับกับภาคเรียน 2/2569" in conflict["message"]
    assert target.query("SELECT term FROM terms") == [(2,)]


@pytest.mark.parametrize(
    "terms, where",
    [
        ([{"year": 2569, "term": 3, "start": "2026-11-01", "end": "2027-03-31"}], "terms[0].term"),
        ([{"year": 2569, "term": 2, "start": "2027-03-31", "end": "2026-11-01"}], "terms[0]"),
        ([{"year": 2569, "term": 2, "start": "2020-11-01", "end": "2020-12-31"}], "terms[0]"),
        ([{"year": "2569", "term": 2, "start": "2026-11-01", "end": "2027-03-31"}], "terms[0].year"),
        ([{"year": 2569, "term": 2, "start": "1/11/2569", "end": "2027-03-31"}], "terms[0].start"),
        ("2569", "terms"),
    ],
    ids=["term-3", "backwards", "outside-the-year", "year-as-text", "thai-date", "not-a-list"],
)
def test_bad_terms_in_a_file_are_refused(old, tmp_path, terms, where):
    out = tmp_path / "x.json"
    old("export", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    data["activities"], data["deletions"], data["terms"] = [], [], terms
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    refused(fresh(tmp_path), "import", out, words=[where])


def test_zip_export_carries_owner_and_terms(old, tmp_path):
    move = tmp_path / "move.zip"
    export(old, move)
    with zipfile.ZipFile(move) as archive:
        data = json.loads(archive.read("export.json"))
    assert data["owner"] == owner(old)[0] and len(data["terms"]) == 2
    (me,) = [s for s in data["supervisors"] if s["uuid"] == data["owner"]]
    assert me["endorser_name"] == ENDORSER
