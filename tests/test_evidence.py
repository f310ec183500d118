"""The evidence store (content-addressed by SHA-256: dedupe, hash, original name, type, size,
owner-only) and `nitet evidence add|list|open` through the CLI."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from nitet_cli.evidence_store import remove_if_unused, store_file, stored_path


@pytest.fixture
def entry(initialised):
    initialised("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    assert initialised("log-visit", "-s", "ดอยงาม", "-t", "นิเทศ").stdout.strip() == "1"
    return initialised


def store_root(nitet) -> Path:
    return nitet.db_path.with_name(f"{nitet.db_path.stem}-evidence")


def files_in_store(nitet) -> list[Path]:
    root = store_root(nitet)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- the store, through the library ------------------------------------------------------------------------


def test_store_names_by_sha256_and_keeps_the_original_name(tmp_path):
    db = tmp_path / "nitet.db"
    source = tmp_path / "ภาพกิจกรรม 1.JPG"
    content = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 50
    source.write_bytes(content)
    stored = store_file(db, source)
    digest = hashlib.sha256(content).hexdigest()
    assert stored.sha256 == digest
    assert (stored.original_name, stored.media_type, stored.size) == ("ภาพกิจกรรม 1.JPG", "image/jpeg", len(content))
    path = stored_path(db, digest, stored.original_name)
    assert path == tmp_path / "nitet-evidence" / digest[:2] / f"{digest}.jpg"  # the extension kept, lower-cased
    assert path.read_bytes() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "nitet-evidence").stat().st_mode) == 0o700
    assert not list(path.parent.glob(".incoming-*"))  # no temporary file left


def test_same_file_twice_is_stored_once(tmp_path):
    db = tmp_path / "nitet.db"
    a = tmp_path / "a.png"
    b = tmp_path / "copy of a.png"
    a.write_bytes(b"same picture")
    b.write_bytes(b"same picture")
    first, second = store_file(db, a), store_file(db, b)
    assert first.sha256 == second.sha256 and second.original_name == "copy of a.png"
    assert len([p for p in (tmp_path / "nitet-evidence").rglob("*") if p.is_file()]) == 1


# --- through the CLI ------------------------------------------------------------------------------------------


def test_evidence_add_list_open(entry, tmp_path):
    nitet = entry
    photo = tmp_path / "ห้องเรียน.jpg"
    photo.write_bytes(b"classroom photo")
    report = tmp_path / "รายงาน.pdf"
    report.write_bytes(b"%PDF-1.4 report")
    out = nitet(
        "evidence", "add", "1", photo, "https://drive.google.com/drive/folders/xyz", report, "--caption", "นักเรียนอ่าน"
    )
    assert out.stdout.split() == ["1", "2", "3"]
    items = nitet.json("evidence", "list", "1")
    assert [(e["kind"], e["original_name"], e["url"]) for e in items] == [
        ("file", "ห้องเรียน.jpg", None),
        ("link", None, "https://drive.google.com/drive/folders/xyz"),
        ("file", "รายงาน.pdf", None),
    ]
    assert items[0]["sha256"] == hashlib.sha256(b"classroom photo").hexdigest()
    assert (items[0]["media_type"], items[0]["size"], items[0]["caption"]) == ("image/jpeg", 15, "นักเรียนอ่าน")
    assert items[2]["media_type"] == "application/pdf"
    path = Path(nitet("evidence", "open", "1").stdout.strip())
    assert path.read_bytes() == b"classroom photo" and path.name == items[0]["sha256"] + ".jpg"
    assert nitet("evidence", "open", "2").stdout.strip() == "https://drive.google.com/drive/folders/xyz"
    assert nitet.json("evidence", "open", "3")["original_name"] == "รายงาน.pdf"
    text = nitet("evidence", "list", "1").stdout
    assert "ห้องเรียน.jpg" in text and "drive.google.com" in text
    shown = nitet.json("show", "1")["evidence"]
    assert [e["id"] for e in shown] == [1, 2, 3]


def test_evidence_add_json(entry, tmp_path):
    photo = tmp_path / "p.png"
    photo.write_bytes(b"png")
    data = entry.json("evidence", "add", "1", photo)
    assert len(data) == 1 and data[0]["original_name"] == "p.png" and Path(data[0]["path"]).exists()


def test_same_photo_on_two_entries_is_stored_once(entry, tmp_path):
    nitet = entry
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"one photo")
    nitet("log", "1.2", "--title", "ประชุม", "-e", photo)
    nitet("evidence", "add", "1", photo)
    assert len(files_in_store(nitet)) == 1
    assert nitet.query("SELECT count(*), count(DISTINCT sha256) FROM evidence") == [(2, 1)]


def test_empty_list(entry):
    assert entry.json("evidence", "list", "1") == []
    assert "ยังไม่มีหลักฐาน" in entry("evidence", "list", "1").stdout


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["99", "FILE"], 3, ["ไม่มีรายการที่ 99"]),
        (["1", "FILE", "/no/such.jpg"], 3, ["ไม่พบไฟล์หลักฐาน"]),  # the good file is not attached either
        (["1", "FILE", "https://"], 2, ["ลิงก์"]),
        (["1", "FILE", "ftp://example.org/x"], 2, ["https://"]),
        (["1", "DIR"], 2, ["โฟลเดอร์"]),
    ],
)
def test_evidence_add_bad_input_writes_nothing(entry, tmp_path, args, code, words):
    photo = tmp_path / "good.jpg"
    photo.write_bytes(b"good")
    args = [str(photo) if a == "FILE" else str(tmp_path) if a == "DIR" else a for a in args]
    before = entry.snapshot()
    result = entry("evidence", "add", *args, ok=False)
    assert result.exit_code == code
    for word in words:
        assert word in result.stderr
    assert entry.snapshot() == before
    assert files_in_store(entry) == []


def test_evidence_list_and_open_unknown(entry):
    assert entry("evidence", "list", "9", ok=False).exit_code == 3
    result = entry("evidence", "open", "9", ok=False)
    assert result.exit_code == 3 and "ไม่มีหลักฐานที่ 9" in result.stderr


def test_open_a_file_missing_from_the_store(entry, tmp_path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"will vanish")
    entry("evidence", "add", "1", photo)
    Path(entry("evidence", "open", "1").stdout.strip()).unlink()
    result = entry("evidence", "open", "1", ok=False)
    assert result.exit_code == 3 and "nitet doctor" in result.stderr


def test_remove_if_unused(entry, tmp_path):
    from nitet_cli.db import connect

    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"in use")
    entry("evidence", "add", "1", photo)
    sha = hashlib.sha256(b"in use").hexdigest()
    conn = connect(entry.db_path)
    try:
        assert remove_if_unused(conn, entry.db_path, sha) is False  # still used
        assert stored_path(entry.db_path, sha).exists()
    finally:
        conn.close()
    entry("delete", "1", "--yes")
    assert not stored_path(entry.db_path, sha).exists()


def test_evidence_remove(entry, tmp_path, monkeypatch):
    nitet = entry
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"twice")
    nitet("evidence", "add", "1", photo, photo, "https://example.org/x")  # ids 1, 2 (same file), 3
    before = nitet.snapshot()
    result = nitet("evidence", "remove", "1", input=None, ok=False)
    assert result.exit_code == 2 and "--yes" in result.stderr
    assert nitet("evidence", "remove", "9", "--yes", ok=False).exit_code == 3
    assert nitet.snapshot() == before
    data = nitet.json("evidence", "remove", "1", "--yes")
    assert data["file_removed"] is False  # evidence 2 still uses the same file
    assert len(files_in_store(nitet)) == 1
    from nitet_cli.cli import common

    monkeypatch.setattr(common, "is_interactive", lambda: True)
    assert nitet("evidence", "remove", "2", input="n\n", ok=False).exit_code == 1
    nitet("evidence", "remove", "2", input="y\n")
    assert files_in_store(nitet) == []
    assert [e["id"] for e in nitet.json("evidence", "list", "1")] == [3]


def test_school_code_typed_in_thai_digits(entry):
    assert entry.json("log-visit", "-s", "๕๗๐๑๐๐๐๒", "-t", "x")["schools"][0]["code"] == "57010002"


# --- captions per file (issue 12 item 4) ------------------------------------------------------------------


def captions_of(nitet, entry_id) -> list[tuple[str, str]]:
    return [(e["original_name"] or e["url"], e["caption"]) for e in nitet.json("show", str(entry_id))["evidence"]]


def test_each_caption_goes_with_the_file_before_it(entry, tmp_path):
    a, b, c = (tmp_path / f"{n}.jpg" for n in "abc")
    for n, path in enumerate((a, b, c)):
        path.write_bytes(b"photo %d" % n)
    nitet = entry
    nitet("log-visit", "-s", "ดอยงาม", "-t", "สองห้อง", "-e", a, "--caption", "ห้อง ป.๑", "-e", b, "--caption", "ห้อง ป.๒")
    assert captions_of(nitet, 2) == [("a.jpg", "ห้อง ป.๑"), ("b.jpg", "ห้อง ป.๒")]
    # a file after the last of several captions has none; a link is paired like a file
    nitet(
        "log",
        "7.4",
        "-t",
        "สรุป",
        "-e",
        a,
        "--caption",
        "ก",
        "--link",
        "https://drive.google.com/x",
        "--caption",
        "ข",
        "-e",
        c,
    )
    assert captions_of(nitet, 3) == [("a.jpg", "ก"), ("c.jpg", ""), ("https://drive.google.com/x", "ข")]
    # a caption after several files describes them all (files since the caption before it)
    nitet("log", "7.4", "-t", "กลุ่ม", "-e", a, "-e", b, "--caption", "ชุดแรก", "-e", c, "--caption", "ชุดสอง")
    assert captions_of(nitet, 4) == [("a.jpg", "ชุดแรก"), ("b.jpg", "ชุดแรก"), ("c.jpg", "ชุดสอง")]
    # one caption, wherever it stands, keeps its old meaning: every file and link of the command
    nitet("log", "7.4", "-t", "เดียว", "-e", a, "--caption", "ทั้งหมด", "-e", b, "--link", "https://drive.google.com/y")
    assert captions_of(nitet, 5) == [("a.jpg", "ทั้งหมด"), ("b.jpg", "ทั้งหมด"), ("https://drive.google.com/y", "ทั้งหมด")]
    nitet("log", "7.4", "-t", "ก่อน", "--caption", "ขึ้นก่อน", "-e", a, "-e", b)
    assert captions_of(nitet, 6) == [("a.jpg", "ขึ้นก่อน"), ("b.jpg", "ขึ้นก่อน")]


def test_a_caption_with_no_file_before_it_is_refused(entry, tmp_path):
    a = tmp_path / "a.jpg"
    a.write_bytes(b"photo")
    before = entry.snapshot()
    result = entry("log", "7.4", "-t", "x", "--caption", "ก", "-e", a, "--caption", "ข", ok=False)
    assert result.exit_code == 2 and result.stderr.count("ข้อผิดพลาด") == 1 and '"ก"' in result.stderr
    result = entry("log", "7.4", "-t", "x", "-e", a, "--caption", "ก", "--caption", "ข", ok=False)
    assert result.exit_code == 2 and '"ข"' in result.stderr
    assert entry.snapshot() == before and files_in_store(entry) == []


def test_evidence_add_captions_one_for_all_or_one_each(entry, tmp_path):
    a, b = tmp_path / "a.jpg", tmp_path / "b.jpg"
    a.write_bytes(b"a")
    b.write_bytes(b"b")
    entry("evidence", "add", "1", a, b, "--caption", "หนึ่ง", "--caption", "สอง")
    entry("evidence", "add", "1", "https://drive.google.com/z", "--caption", "ลิงก์")
    assert captions_of(entry, 1) == [("a.jpg", "หนึ่ง"), ("b.jpg", "สอง"), ("https://drive.google.com/z", "ลิงก์")]
    result = entry("evidence", "add", "1", a, b, a, "--caption", "หนึ่ง", "--caption", "สอง", ok=False)
    assert result.exit_code == 2 and "2 ข้อ" in result.stderr and "3 ชิ้น" in result.stderr
