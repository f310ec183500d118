"""A term of real data for the status and report tests: schools in two groups, visits,
meetings, photos (one stored sideways with an EXIF orientation), a damaged photo, a
PDF, links, an entry outside the term and an entry linked to two standards.

Built through the library (``schools.add_or_update_school``, ``activities.add_activity``) the
way ``nitet log-visit`` records, into the database of the ``initialised`` fixture.
Today is pinned to 2026-11-24 (conftest), so the current term is 2/2569
(1 Nov 2026 – 15 May 2027 by default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

SCHOOLS = [
    ("57010001", "โรงเรียนบ้านคู่", "บ้านคู่"),
    ("57010002", "โรงเรียนบ้านดอยฮาง", "บ้านคู่"),
    ("57010003", "โรงเรียนบ้านห้วยส้าน", "บ้านคู่"),
    ("05701004", "โรงเรียนบ้านป่าอ้อ", "บ้านคู่"),
    ("57010005", "โรงเรียนบ้านห้วยแม่เลี่ยม", "พื้นที่สูง"),
    ("57010006", "โรงเรียนบ้านผาเสริฐ", "พื้นที่สูง"),
    ("57010007", "โรงเรียนเทศบาล ๑", ""),
]


@dataclass
class TermData:
    db: Path
    photos: dict[str, Path] = field(default_factory=dict)
    activity_ids: dict[str, int] = field(default_factory=dict)


def make_photo(path: Path, size: tuple[int, int], colour: str, *, orientation: int | None = None) -> Path:
    from PIL import Image

    image = Image.new("RGB", size, colour)
    # A band at the top, so that a turned photo can be told from an upright one.
    image.paste((0, 0, 0), (0, 0, size[0], max(1, size[1] // 10)))
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(path, "JPEG", exif=exif)
    else:
        image.save(path, "JPEG")
    return path


def build_term(db: Path, folder: Path) -> TermData:
    from nitet_cli.activities import EvidenceInput, NewActivity, add_activity
    from nitet_cli.db import connect
    from nitet_cli.schools import School, add_or_update_school

    folder.mkdir(exist_ok=True)
    data = TermData(db)
    data.photos["wide"] = make_photo(folder / "ห้องเรียน.jpg", (640, 320), "red")
    # Stored sideways (320x640 pixels) with EXIF "rotate 90° clockwise": upright it is 640 wide, 320 high.
    data.photos["sideways"] = make_photo(folder / "sideways.jpg", (320, 640), "blue", orientation=6)
    data.photos["third"] = make_photo(folder / "plc.jpg", (400, 400), "green")
    damaged = folder / "damaged.jpg"
    damaged.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    pdf = folder / "แผนการนิเทศ.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% a small file that is not a picture\n")

    conn = connect(db)
    try:
        for code, name, group in SCHOOLS:
            add_or_update_school(conn, School(code, name, group, "เมืองเชียงราย"))

        def add(key: str, **fields) -> None:
            data.activity_ids[key] = add_activity(conn, db, NewActivity(**fields))

        add(
            "visit1",
            date=date(2026, 11, 2),
            title="นิเทศการจัดการเรียนรู้เชิงรุก",
            standards=["7.3", "6.3"],
            schools=["57010001", "57010002"],
            findings="ครูใช้คำถามกระตุ้นการคิด\nนักเรียนทำงานกลุ่ม",
            suggestions="ควรเพิ่มการสะท้อนผล",
            evidence=[
                EvidenceInput(path=data.photos["wide"], caption="ครูสอนในห้องเรียน"),
                EvidenceInput(url="https://drive.google.com/file/d/1AbC", caption="บันทึกการนิเทศ"),
            ],
        )
        add(
            "visit2",
            date=date(2026, 11, 5),
            title="ติดตามการอ่านออกเขียนได้",
            standards=["7.3"],
            schools=["57010001"],
            findings="นักเรียน ป.๑ อ่านคล่อง",
            evidence=[EvidenceInput(path=data.photos["sideways"], caption="นักเรียนอ่านหนังสือ")],
        )
        add(
            "highland",
            date=date(2026, 11, 10),
            title="นิเทศโรงเรียนพื้นที่สูง",
            standards=["8.3"],
            schools=["57010005"],
            evidence=[EvidenceInput(path=damaged, caption="ภาพที่เสีย"), EvidenceInput(path=pdf, caption="แผน")],
        )
        add(
            "meeting",
            date=date(2026, 11, 12),
            kind="meeting",
            mode="online",
            title="ประชุมวางแผนการนิเทศ",
            standards=["7.2"],
        )
        add(
            "training",
            date=date(2026, 11, 20),
            kind="training",
            title="อบรมการวัดผล",
            standards=["1.1"],
            evidence=[EvidenceInput(url="https://example.org/training")],
        )
        # Two standards of the same duty, with a photo: listed under both, counted once for the duty, embedded once.
        add(
            "two_standards",
            date=date(2026, 11, 3),
            title="สรุปผลการนิเทศและ PLC",
            standards=["7.3", "7.4"],
            schools=["57010002"],
            evidence=[EvidenceInput(path=data.photos["third"], caption="PLC")],
        )
        # Outside the term (term 1): counts nowhere.
        add("last_term", date=date(2026, 10, 15), title="นิเทศภาคเรียนก่อน", standards=["7.3"], schools=["57010002"])
    finally:
        conn.close()
    return data
