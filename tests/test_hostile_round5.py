"""Hostile pass 5 (hostile3): the console script's paused collector, the clock floor, stdout closed,
clean_text's NFC. Each test failed on the code before its fix."""

from __future__ import annotations

import json

RESET = "2000-01-01T00:00:05+00:00"  # a dead clock battery's date


def test_doctor_fix_with_a_reset_clock_removes_strays_and_blames_the_clock_not_the_database(
    initialised, tmp_path, monkeypatch
):
    """A reset clock is no damage to the database: doctor --fix still removes the store's stray files
    (no clock is involved) and sets no stamp; before, it refused, saying the database had errors that
    may hide entries and to restore a backup (a user restoring an older backup for a clock loses work)."""
    evidence = tmp_path / "photo.txt"
    evidence.write_text("หลักฐาน", encoding="utf-8")
    initialised("log", "1.2", "--title", "ประชุม", "-e", evidence)
    store = initialised.db_path.with_name("nitet-evidence")
    unused = store / "ab" / ("ab" + "0" * 62)
    unused.parent.mkdir(exist_ok=True)
    unused.write_bytes(b"unused")
    before = initialised.snapshot()
    monkeypatch.setattr("nitet_cli.maintenance.now_iso", lambda: RESET)
    monkeypatch.setattr("nitet_cli.deletions.now_iso", lambda: RESET)

    result = initialised("doctor", "--fix", "--json", ok=False)
    assert result.exit_code == 1, result.output  # the clock is still an error
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [p["code"] for p in report["problems"]] == ["wrong_clock"], report["problems"]
    assert report["removed"] == [str(unused)] and not unused.exists()
    assert not report["restamped"] and initialised.snapshot() == before
    text = initialised("doctor", "--fix", ok=False).output
    assert "กู้คืนจากไฟล์สำรอง" not in text and "นาฬิกาของเครื่องนี้" in text
