"""Issue 6, items 3 and 5: `nitet report --pdf` (LibreOffice), and the progress of the photo
thumbnails that a report with many photos makes on a cold cache."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from datetime import date

import pytest
from term_data import build_term

from nitet_cli.pdf import find_soffice


@pytest.fixture
def term(initialised, tmp_path):
    initialised.data = build_term(initialised.db_path, tmp_path / "files")
    return initialised


@pytest.mark.skipif(find_soffice() is None, reason="LibreOffice (soffice) is not installed on this machine")
def test_report_pdf_with_libreoffice(term, tmp_path):
    out = tmp_path / "รายงาน.docx"
    result = term.json("report", "--term", "2", "-o", out, "--pdf")
    pdf = tmp_path / "รายงาน.pdf"
    assert result["output"] == str(out) and result["pdf"] == str(pdf)
    assert out.is_file() and out.read_bytes()[:2] == b"PK"  # the DOCX stays
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")
        assert "รายงานผลการปฏิบัติงาน" in text and "ภาคผนวก" in text
        assert "ติดตามการอ่านออกเขียนได้" in text  # an entry of the term
    human = term("report", "--term", "2", "-o", tmp_path / "again.docx", "--pdf").stdout
    assert "again.pdf" in human


def test_report_pdf_without_libreoffice_says_how_to_install_and_keeps_the_docx(initialised, tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "r.docx"
    result = initialised("report", "-o", out, "--pdf", ok=False)
    assert result.exit_code != 0
    assert "LibreOffice" in result.stderr and "apt-get install" in result.stderr
    assert "Traceback" not in result.output
    assert out.is_file() and not (tmp_path / "r.pdf").exists()


def test_pdf_with_json_format_is_refused_and_writes_nothing(initialised, tmp_path):
    before = initialised.snapshot()
    result = initialised("report", "--format", "json", "--pdf", "-o", tmp_path / "r.json", ok=False)
    assert "--pdf" in result.stderr and "docx" in result.stderr
    assert not (tmp_path / "r.json").exists()
    assert initialised.snapshot() == before


def test_thumbnail_progress_is_reported_photo_by_photo(term, tmp_path):
    from nitet_cli.db import connect
    from nitet_cli.documents import export_report
    from nitet_cli.photos import thumbs_dir
    from nitet_cli.report import THUMBNAILS_PROGRESS
    from nitet_cli.terms import get_term

    images = term.query(
        "SELECT count(DISTINCT sha256) FROM evidence WHERE kind = 'file' AND media_type LIKE 'image/%'"
    )[0][0]
    assert images >= 4  # the threaded path
    calls: list[tuple] = []
    conn = connect(term.db_path)
    try:
        result = export_report(
            conn,
            term.db_path,
            get_term(conn, 2569, 2),
            date(2026, 11, 24),
            tmp_path / "r.docx",
            on_progress=lambda *args: calls.append(args),
        )
    finally:
        conn.close()
    assert [c[0] for c in calls] == [THUMBNAILS_PROGRESS] * images
    assert [c[1] for c in calls] == list(range(1, images + 1))
    assert {c[2] for c in calls} == {images}
    assert result["photos_embedded"] == 3
    assert any(thumbs_dir(term.db_path).iterdir())  # the cache is now warm


def test_report_command_hands_its_progress_to_the_bar(term, tmp_path, monkeypatch):
    """`nitet report` draws its bar with the same reporter as import/merge (silent off a terminal)."""
    from nitet_cli.cli import common as cli_common

    seen: list[tuple] = []

    @contextlib.contextmanager
    def recorder(ctx):
        yield lambda *args: seen.append(args)

    monkeypatch.setattr(cli_common, "progress_reporter", recorder)
    term("report", "--term", "2", "-o", tmp_path / "r.docx")
    assert seen and seen[-1][1] == seen[-1][2]


def test_report_is_silent_on_stderr_when_not_a_terminal(term, tmp_path):
    term("profile", "set", "--name", "นางสาวทดสอบ ระบบดี")  # no reminder that the profile is the bundled sample
    result = term("report", "--term", "2", "-o", tmp_path / "r.docx")
    assert result.stderr == ""
