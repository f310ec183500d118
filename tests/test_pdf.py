"""Issue 6: `--pdf` converts the DOCX with LibreOffice; the DOCX stays; without LibreOffice the
error says how to install it."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import docx_text

from nitet_cli.errors import EXIT_NOT_FOUND, EXIT_OUTPUT, NotFoundError, OutputError
from nitet_cli.pdf import convert_to_pdf, find_soffice

needs_soffice = pytest.mark.skipif(
    find_soffice() is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui fonts-thai-tlwg",
)


@needs_soffice
def test_manual_export_pdf_writes_pdf_and_keeps_docx(initialised, tmp_path):
    out = tmp_path / "คู่มือ.docx"
    data = initialised.json("manual", "export", "-o", out, "--pdf")
    pdf = tmp_path / "คู่มือ.pdf"
    assert data == {"output": str(out), "pdf": str(pdf)}
    assert out.is_file() and "มาตรฐานการปฏิบัติงาน" in docx_text(out)  # the DOCX stays, intact
    head = pdf.read_bytes()[:5]
    assert head == b"%PDF-"
    assert oct(pdf.stat().st_mode & 0o777) == oct(0o600)  # private, like every output (issue 9)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
        assert "มาตรฐานการปฏิบัติงาน" in text
        assert "ศึกษานิเทศก์" in text
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        assert pages > 5  # the whole manual, not an empty page
        assert "595.3" in info or "595" in info  # A4 width in points
    assert not list(tmp_path.glob(".*.tmp"))


def test_pdf_without_libreoffice_says_how_to_install_and_keeps_docx(initialised, tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "manual.docx"
    result = initialised("manual", "export", "-o", out, "--pdf", ok=False)
    assert result.exit_code == EXIT_OUTPUT
    assert "apt-get install libreoffice-writer-nogui fonts-thai-tlwg" in result.stderr
    assert result.stderr.startswith("ข้อผิดพลาด: ")
    assert "Traceback" not in result.output
    assert out.is_file() and "มาตรฐานการปฏิบัติงาน" in docx_text(out)
    assert not (tmp_path / "manual.pdf").exists()


def test_convert_missing_docx_is_not_found(tmp_path):
    with pytest.raises(NotFoundError) as caught:
        convert_to_pdf(tmp_path / "nothing.docx", db=None)
    assert caught.value.exit_code == EXIT_NOT_FOUND
    assert "nothing.docx" in caught.value.message


def test_convert_into_missing_folder_is_an_output_error(initialised, tmp_path):
    out = tmp_path / "manual.docx"
    initialised("manual", "export", "-o", out)
    with pytest.raises(OutputError):
        convert_to_pdf(out, tmp_path / "no-such-folder" / "manual.pdf", db=None)
