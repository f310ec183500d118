"""Issue 4: templates a user owns — ``nitet template list|export`` and ``--template``; photo thumbnails."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from conftest import ROOT, docx_text
from term_data import build_term, make_photo


def _build_templates_module():
    spec = importlib.util.spec_from_file_location("build_templates", ROOT / "tools" / "build_templates.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["manual", "report"])
def test_shipped_template_is_what_the_script_builds(name, tmp_path):
    """templates/*.docx are generated: the committed file matches tools/build_templates.py."""
    import zipfile

    out = tmp_path / f"{name}.docx"
    _build_templates_module().BUILDERS[name](out)
    shipped = ROOT / "templates" / f"{name}.docx"
    with zipfile.ZipFile(out) as built, zipfile.ZipFile(shipped) as committed:
        for part in ("word/document.xml", "word/styles.xml", "word/header1.xml"):
            if part in built.namelist():
                assert built.read(part) == committed.read(part), f"{part}: run python tools/build_templates.py {name}"


def test_template_list(nitet):
    items = nitet.json("template", "list")
    assert [i["name"] for i in items] == ["manual", "report"]
    assert all(Path(i["path"]).is_file() for i in items)
    assert "รายงาน" in nitet("template", "list").stdout


def test_export_copies_the_builtin_template(nitet, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    nitet("template", "export", "report", folder)
    exported = folder / "report.docx"
    assert exported.read_bytes() == (ROOT / "templates" / "report.docx").read_bytes()
    # A second export does not overwrite the user's edits without --force.
    exported.write_bytes(b"edited in Word")
    result = nitet("template", "export", "report", folder, ok=False)
    assert result.exit_code == 5 and "--force" in result.stderr
    assert exported.read_bytes() == b"edited in Word"
    nitet("template", "export", "report", folder, "--force")
    assert exported.read_bytes() == (ROOT / "templates" / "report.docx").read_bytes()


def test_export_to_a_file_name_and_bad_names(nitet, tmp_path):
    nitet("template", "export", "manual", tmp_path / "คู่มือของฉัน.docx")
    assert (tmp_path / "คู่มือของฉัน.docx").is_file()
    result = nitet("template", "export", "reprot", tmp_path, ok=False)
    assert result.exit_code == 3 and "report" in result.stderr
    result = nitet("template", "export", "report", tmp_path / "no" / "such", ok=False)
    assert result.exit_code == 5 and result.stderr.startswith("ข้อผิดพลาด:")


def test_user_template_with_letterhead_is_used(initialised, tmp_path):
    """A supervisor adds the office letterhead in Word; --template renders with it."""
    from docx import Document

    build_term(initialised.db_path, tmp_path / "files")
    initialised("template", "export", "report", tmp_path)
    template = tmp_path / "report.docx"
    document = Document(str(template))
    first = document.paragraphs[0]
    letterhead = first.insert_paragraph_before("สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบ โทร. ๐๕๓ ๐๐๐ ๐๐๐")
    assert letterhead.text
    document.paragraphs[-1].insert_paragraph_before("ผู้รับรอง {{ profile.name }} ภาคเรียน {{ report.term|thai }}")
    document.save(str(template))
    out = tmp_path / "with-letterhead.docx"
    initialised("report", "--term", "2", "--template", template, "-o", out)
    text = docx_text(out)
    assert text.startswith("สำนักงานเขตพื้นที่การศึกษาประถมศึกษาทดสอบ")
    assert "ผู้รับรอง นายรณชัย สิงห์คำ ภาคเรียน ๒" in text
    assert len(Document(str(out)).inline_shapes) == 3


def test_missing_template_is_one_sentence(initialised, tmp_path):
    result = initialised("report", "--template", tmp_path / "none.docx", "-o", tmp_path / "r.docx", ok=False)
    assert result.exit_code == 3 and "manual, report" in result.stderr
    assert not (tmp_path / "r.docx").exists()


def test_sandbox_refuses_unsafe_template_code(initialised, tmp_path):
    """Template code runs in Jinja's sandbox: no reaching into Python internals."""
    from docx import Document

    template = tmp_path / "evil.docx"
    document = Document()
    document.add_paragraph("{{ report.__class__.__mro__[1].__subclasses__() }}")
    document.save(str(template))
    result = initialised("report", "--template", template, "-o", tmp_path / "r.docx", ok=False)
    assert result.exit_code == 2 and str(template) in result.stderr
    assert not (tmp_path / "r.docx").exists()


# --- photo thumbnails ------------------------------------------------------------------------------


def _stored(db: Path, source: Path) -> str:
    from nitet_cli.evidence_store import store_file

    return store_file(db, source).sha256


def test_thumbnail_is_upright_downscaled_and_cached(tmp_path, monkeypatch):
    from PIL import Image

    from nitet_cli import photos

    db = tmp_path / "nitet.db"
    sha = _stored(db, make_photo(tmp_path / "big.jpg", (1000, 2400), "blue", orientation=8))
    thumb = photos.thumbnail(db, sha)
    assert thumb is not None
    assert thumb.path.parent == tmp_path / "nitet-evidence" / ".thumbs"
    assert (thumb.width, thumb.height) == (800, 333)  # turned to landscape, long side 800
    with Image.open(thumb.path) as image:
        assert image.size == (800, 333) and image.format == "JPEG"
        left, right = image.getpixel((5, image.height // 2)), image.getpixel((image.width - 5, image.height // 2))
    # Orientation 8: the stored image's top edge (a black band) is the picture's left edge.
    assert left[2] < 60 and right[2] > 200
    width, height = thumb.fit(7.5, 6.5)
    assert abs(width - 7.5) < 1e-9 and height < 6.5

    # A warm run decodes nothing: the cache is read by content hash.
    def no_decoding(*args):
        raise AssertionError("decoded again")

    monkeypatch.setattr(photos, "_decode", no_decoding)
    again = photos.thumbnail(db, sha)
    assert again == thumb


def test_undecodable_photo_is_none_and_not_retried(tmp_path, monkeypatch):
    from nitet_cli import photos

    db = tmp_path / "nitet.db"
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + b"\x00" * 100)
    sha = _stored(db, bad)
    assert photos.thumbnail(db, sha) is None
    monkeypatch.setattr(photos, "_decode", lambda *a: (_ for _ in ()).throw(AssertionError("decoded again")))
    assert photos.thumbnail(db, sha) is None
    assert photos.thumbnail(db, "0" * 64) is None  # missing from the store


def test_transparent_png_gets_a_white_background(tmp_path):
    from PIL import Image

    from nitet_cli import photos

    db = tmp_path / "nitet.db"
    source = tmp_path / "logo.png"
    Image.new("RGBA", (100, 50), (255, 0, 0, 0)).save(source)
    thumb = photos.thumbnail(db, _stored(db, source))
    with Image.open(thumb.path) as image:
        assert image.mode == "RGB" and image.getpixel((10, 10)) == (255, 255, 255)


def test_doctor_does_not_count_thumbnails_as_stray(initialised, tmp_path):
    build_term(initialised.db_path, tmp_path / "files")
    initialised("report", "--term", "2", "-o", tmp_path / "r.docx")
    assert any((tmp_path / "nitet-evidence" / ".thumbs").iterdir())
    assert "ไม่พบปัญหา" in initialised("doctor").stdout
