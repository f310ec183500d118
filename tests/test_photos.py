"""Issue 12 item 4: iPhone photos (HEIC/HEIF) are decoded with pillow-heif, turned upright and
shown in thumbnails and in the report, like JPEGs. The HEIC files are made here with pillow-heif."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest

pillow_heif = pytest.importorskip("pillow_heif")

from conftest import docx_text  # noqa: E402
from PIL import Image  # noqa: E402

from nitet_cli import photos  # noqa: E402
from nitet_cli.evidence_store import store_file  # noqa: E402

EXIF_ORIENTATION = 0x0112


def make_heic(path: Path, size=(400, 200), orientation: int | None = 6) -> Path:
    """A real HEIC (HEVC inside HEIF): red left half, blue right half, saying how to turn it upright
    the way a phone held upright does (orientation 6: turn 90 degrees clockwise to view)."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    heif = pillow_heif.from_pillow(image)
    heif.save(str(path), quality=90, exif=exif.tobytes())
    assert path.read_bytes()[4:12] == b"ftypheic"
    return path


def is_red(pixel) -> bool:
    return pixel[0] > 200 and pixel[1] < 60 and pixel[2] < 60


def is_blue(pixel) -> bool:
    return pixel[2] > 200 and pixel[0] < 60 and pixel[1] < 60


def test_heic_thumbnail_is_decoded_and_upright(tmp_path):
    db = tmp_path / "nitet.db"
    stored = store_file(db, make_heic(tmp_path / "IMG_0001.HEIC"))
    assert stored.media_type == "image/heic"
    thumb = photos.thumbnail(db, stored.sha256)
    assert thumb is not None, "HEIC not decoded"
    assert (thumb.width, thumb.height) == (200, 400)  # portrait, as the phone was held
    with Image.open(thumb.path) as image:
        assert image.format == "JPEG"
        rgb = image.convert("RGB")
        assert is_red(rgb.getpixel((100, 20))) and is_blue(rgb.getpixel((100, 380)))  # turned clockwise


def test_a_marker_left_before_heic_could_be_read_does_not_stop_decoding(tmp_path):
    db = tmp_path / "nitet.db"
    stored = store_file(db, make_heic(tmp_path / "IMG_0002.heic", orientation=None))
    cache = photos.thumbs_dir(db)
    cache.mkdir(parents=True)
    (cache / f"{stored.sha256}.bad").touch()  # what an earlier nitet left for a HEIC it could not read
    thumb = photos.thumbnail(db, stored.sha256)
    assert thumb is not None and (thumb.width, thumb.height) == (400, 200)


def test_heic_photos_are_shown_in_the_report(initialised, tmp_path):
    nitet = initialised
    nitet("school", "add", "--code", "57010002", "--name", "โรงเรียนดอยงาม", "--group", "พื้นที่สูง")
    heic = make_heic(tmp_path / "IMG_0003.HEIC")
    jpeg = tmp_path / "ห้องเรียน.jpg"
    Image.new("RGB", (300, 300), (0, 160, 0)).save(jpeg, "JPEG")
    nitet(
        "log-visit",
        "-s",
        "ดอยงาม",
        "-t",
        "นิเทศ",
        "-d",
        "2/11/2569",
        "-e",
        heic,
        "--caption",
        "ภาพจาก iPhone",
        "-e",
        jpeg,
        "--caption",
        "ภาพจากกล้อง",
    )
    out = tmp_path / "report.docx"
    nitet("report", "--term", "2", "-o", out)
    from docx import Document

    document = Document(str(out))
    sizes = []
    for shape in document.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        with Image.open(BytesIO(document.part.related_parts[blip.embed].blob)) as image:
            sizes.append(image.size)
    assert sorted(sizes) == [(200, 400), (300, 300)]  # both embedded, the iPhone photo upright
    text = docx_text(out)
    assert "ภาพจาก iPhone" in text and "ภาพจากกล้อง" in text
    assert "IMG_0003.HEIC" not in text  # shown, not listed as a file
