"""DOCX → PDF through LibreOffice, for offices that archive PDFs.

``convert_to_pdf`` runs ``soffice --headless --convert-to pdf`` with a private,
throw-away LibreOffice profile (``-env:UserInstallation``), so that it works while the
user has LibreOffice open, never touches their settings, and two conversions at the
same moment do not fight over one profile. The DOCX is kept; the PDF is written
beside it (or to ``out``) atomically. When LibreOffice is missing the error says how
to install it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from nitet_cli.errors import NotFoundError, OutputError

#: A cold start with a fresh profile takes a few seconds; a long report with many photos longer.
DEFAULT_TIMEOUT = 300
INSTALL_HINT = "sudo apt-get install libreoffice-writer-nogui fonts-thai-tlwg"


def find_soffice() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def pdf_path(docx_path: Path | str) -> Path:
    """Where the PDF of ``docx_path`` goes by default: beside it, the same name with ``.pdf``."""
    return Path(docx_path).expanduser().with_suffix(".pdf")


def convert_to_pdf(
    docx_path: Path | str, out: Path | str | None = None, *, db: Path | None, timeout: float = DEFAULT_TIMEOUT
) -> Path:
    """Convert ``docx_path`` to PDF (``out``, default :func:`pdf_path`); returns the PDF path.

    ``db``: the database in use, which the PDF must never overwrite (nor its store, nor the DOCX)."""
    from nitet_cli.files import check_output, copy_into

    docx = Path(docx_path).expanduser()
    if not docx.is_file():
        raise NotFoundError(f"ไม่พบไฟล์ DOCX {docx} ที่จะแปลงเป็น PDF — สร้างเอกสารก่อน แล้วลองใหม่")
    reading = [(docx, "เอกสาร DOCX ที่กำลังแปลงเป็น PDF")]
    target = check_output(Path(out).expanduser() if out else pdf_path(docx), db=db, reading=reading)
    soffice = find_soffice()
    if soffice is None:
        raise OutputError(
            f"ไม่พบโปรแกรม LibreOffice (soffice) จึงแปลงเป็น PDF ไม่ได้ — ติดตั้งด้วย '{INSTALL_HINT}' แล้วลองใหม่;"
            f" ไฟล์ {docx} ยังอยู่ครบ"
        )
    with tempfile.TemporaryDirectory(prefix="nitet-pdf-") as work:
        work_dir = Path(work)
        outdir = work_dir / "out"
        outdir.mkdir()
        command = [
            soffice,
            f"-env:UserInstallation={(work_dir / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx.resolve()),
        ]
        stderr = _run(command, timeout, docx)
        produced = outdir / f"{docx.stem}.pdf"
        if not produced.is_file() or produced.stat().st_size == 0:
            detail = stderr.strip().splitlines()[-1] if stderr.strip() else "ไม่มีไฟล์ผลลัพธ์"
            raise OutputError(
                f"LibreOffice แปลง {docx} เป็น PDF ไม่สำเร็จ ({detail}) — เปิดไฟล์ DOCX ใน Word/LibreOffice"
                " เพื่อตรวจ แล้วส่งออกเป็น PDF เอง; ไฟล์ DOCX ยังอยู่ครบ"
            )
        copy_into(produced, target, db=db, reading=reading)
    return target


def _run(command: list[str], timeout: float, docx: Path) -> str:
    """Run LibreOffice in its own process group, so a timeout ends every process it started."""
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except OSError as exc:
        raise OutputError(
            f"เรียก LibreOffice ({command[0]}) ไม่ได้ ({exc.strerror or exc}) — ติดตั้งใหม่ด้วย '{INSTALL_HINT}'"
        ) from exc
    try:
        _stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.communicate()
        raise OutputError(
            f"LibreOffice แปลง {docx} เป็น PDF ไม่เสร็จใน {int(timeout)} วินาที — ลองใหม่ หรือเปิดไฟล์ DOCX แล้วส่งออกเป็น PDF เอง;"
            " ไฟล์ DOCX ยังอยู่ครบ"
        ) from None
    return stderr.decode("utf-8", "replace")
