"""Issue 12 item 6: Word opens nitet's documents without "repairing" them. LibreOffice forgives
what Word may not, so the documents go through an OOXML schema validator (openxml-audit, pure
Python, the Open XML SDK's schemas and Word's app-compatibility checks): the built-in templates,
the manual, a term report with photos, follow-ups and the endorsement block, a monthly report, a
date-range report and a group's report. Zero findings, for every Office version the validator knows."""

from __future__ import annotations

import pytest
from conftest import ROOT
from term_data import build_term

audit = pytest.importorskip("openxml_audit", reason="openxml-audit is in the test extra: pip install -e '.[test]'")

FORMATS = ["office2007", "office2019", "microsoft365"]


def findings(path, file_format: str) -> list[str]:
    from openxml_audit import FileFormat, OpenXmlValidator

    result = OpenXmlValidator(file_format=FileFormat(file_format), max_errors=0).validate(str(path))
    return [f"{e.part_uri} {e.path}: {e.description}" for e in result.errors]


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Every kind of document nitet writes, from one database (module-scoped: validating is slow)."""
    import os

    from typer.testing import CliRunner

    from nitet_cli.cli import app

    folder = tmp_path_factory.mktemp("schema")
    db = folder / "nitet.db"
    old_today = os.environ.get("NITET_TODAY")
    os.environ["NITET_TODAY"] = "2026-11-24"
    runner = CliRunner()

    def nitet(*args):
        result = runner.invoke(app, ["--db", str(db), *map(str, args)], catch_exceptions=False)
        assert result.exit_code == 0, result.output

    try:
        nitet("init")
        build_term(db, folder / "files")  # photos (one sideways), a damaged photo, a PDF, links
        nitet("school", "add", "--code", "1057010004", "--name", "โรงเรียนบ้านรหัสสิบหลัก", "--group", "บ้านคู่")
        nitet(
            "log-visit",
            "-s",
            "1057010004",
            "-d",
            "2026-11-15",
            "--standard",
            "7.3",
            "-t",
            "นิเทศ <b>&amp; {{ 7*7 }}",
            "--teachers",
            "5",
            "--findings",
            "บรรทัดแรก\nบรรทัดที่สอง\tแท็บ",
        )
        nitet("log", "7.2", "-k", "meeting", "--mode", "online", "-d", "2026-11-16", "-t", "ประชุม", "--teachers", "12")
        nitet(
            "log-visit",
            "-s",
            "57010002",
            "-d",
            "2026-11-06",
            "--standard",
            "7.3",
            "-t",
            "นิเทศการอ่าน",
            "--follow-up",
            "ทำแบบบันทึกการอ่าน",
            "--follow-up",
            "จัดมุมหนังสือ",
            "--check-by",
            "20/11/2569",
        )
        nitet("follow-up", "close", "1", "--result", "จัดแล้ว <&>", "--date", "21/11/2569")
        docs = {
            "manual": folder / "manual.docx",
            "term report": folder / "report.docx",
            "monthly report": folder / "month.docx",
            "date-range report": folder / "range.docx",
        }
        nitet("manual", "export", "-o", docs["manual"])
        nitet("report", "--term", "2", "-o", docs["term report"])  # the endorsement block dotted
        nitet("profile", "set", "--endorser-name", "นาย <ผู้อำนวยการ> & คณะ", "--endorser-position", "ผู้อำนวยการ")
        nitet("report", "--month", "11/2569", "-o", docs["monthly report"])
        nitet("report", "--from", "3/11/2569", "--to", "10/11/2569", "-o", docs["date-range report"])
        # A group's merged database: the per-supervisor tables, no owner's profile.
        from exchange_data import SCHOOLS, supervisor_db

        a = supervisor_db(folder / "a" / "nitet.db", "นางสาวมาลี ใจดี", folder / "work-a", visits=3)
        b = supervisor_db(
            folder / "b" / "nitet.db", "นายสมชาย รักเรียน", folder / "work-b", schools=SCHOOLS[:2], visits=2
        )
        db = folder / "group.db"
        nitet("merge", a.db_path, b.db_path, "--into", db)
        docs["group report"] = folder / "group.docx"
        nitet("report", "--term", "2", "-o", docs["group report"])
    finally:
        if old_today is None:
            os.environ.pop("NITET_TODAY", None)
        else:
            os.environ["NITET_TODAY"] = old_today
    docs["manual template"] = ROOT / "templates" / "manual.docx"
    docs["report template"] = ROOT / "templates" / "report.docx"
    return docs


def test_the_term_report_has_what_is_to_be_checked(documents):
    """The report under test holds photos, the follow-ups and the endorsement block (so they are validated)."""
    import zipfile

    from conftest import docx_text

    with zipfile.ZipFile(documents["term report"]) as z:
        assert sum(n.startswith("word/media/") for n in z.namelist()) == 3
        assert "word/stylesWithEffects.xml" not in z.namelist()
    text = docx_text(documents["term report"])
    assert "ความเห็นของผู้บังคับบัญชา" in text and "ส่วนที่ ๔ การติดตามผลการนิเทศ" in text and "จัดแล้ว <&>" in text


@pytest.mark.parametrize(
    "name, file_format",
    [
        (name, "office2019")
        for name in (
            "manual template",
            "report template",
            "manual",
            "monthly report",
            "date-range report",
            "group report",
        )
    ]
    + [("term report", f) for f in FORMATS],  # each check takes a second or two: every version for the fullest one
)
def test_no_schema_findings(documents, name, file_format):
    assert findings(documents[name], file_format) == []


def test_the_validator_finds_what_word_repairs(tmp_path):
    """The check is real: the two faults the shipped templates had are found."""
    import zipfile

    source = ROOT / "templates" / "report.docx"
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(source) as z, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as out:
        for item in z.infolist():
            data = z.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:tblHeader/>", b'<w:tblHeader w:val="true"/>', 1)
            if item.filename == "word/styles.xml":
                data = data.replace(
                    b'<w:lang w:val="th-TH" w:bidi="th-TH" w:eastAsia="th-TH"/></w:rPr>',
                    b'<w:lang w:val="th-TH" w:bidi="th-TH" w:eastAsia="th-TH"/><w:kern w:val="28"/></w:rPr>',
                    1,
                )
            out.writestr(item, data)
    found = findings(broken, "office2019")
    assert any("tblHeader" in f and "'true'" in f for f in found), found
    assert any("styles.xml" in f and "kern" in f for f in found), found
