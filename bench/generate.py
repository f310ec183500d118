"""Synthetic nitet databases for the bench: Thai names and texts, realistic shapes.

Two sizes (issue 5):

- ``busy_year``: one supervisor's busy academic year ๒๕๖๙ — 3,000 activities,
  200 schools, 500 phone-sized photos (some turned by their EXIF orientation) in the
  evidence store, links, findings and suggestions of a few sentences each;
- ``national``: a group or national database — 1,000,000 activities and 30,000
  schools, as many supervisors' merged work would be.

Both give a fifth of their visits a follow-up (issue 10), most checked and closed at the
school's next entry.

Both load the bundled manual through the library, so the standards and their visit
targets (6.3 every school, 7.3 บ้านคู่, 8.3 พื้นที่สูง) are the real ones. Rows go
in with ``executemany`` inside one transaction; the generator is seeded, so two runs
give the same database.
"""

from __future__ import annotations

import bisect
import random
import sqlite3
import sys
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from nitet_cli.db import connect, transaction  # noqa: E402
from nitet_cli.evidence_store import store_file  # noqa: E402
from nitet_cli.manual import read_manual, store_manual  # noqa: E402
from nitet_cli.paths import bundled_manual  # noqa: E402

YEAR_START = date(2026, 5, 16)  # ปีการศึกษา ๒๕๖๙, term 1
YEAR_DAYS = 300  # to mid-March 2027 (term 2)

PLACES = [
    "ดอย",
    "ห้วย",
    "แม่",
    "หนอง",
    "โป่ง",
    "ป่า",
    "สัน",
    "ทุ่ง",
    "ร่อง",
    "ปาง",
    "บ่อ",
    "ผา",
    "เวียง",
    "ม่วง",
    "ขาม",
    "ต้นยาง",
    "ศรี",
    "ใหม่",
    "เหนือ",
    "ใต้",
    "หลวง",
    "น้อย",
    "งาม",
    "ทอง",
    "ลาน",
    "กอก",
    "คำ",
    "สลี",
]
DISTRICTS = ["เมืองเชียงราย", "แม่ลาว", "เวียงชัย", "เวียงเชียงรุ้ง", "ดอยหลวง", "แม่สรวย", "เวียงป่าเป้า", "พาน"]
GROUPS = ["บ้านคู่", "พื้นที่สูง", "เวียงชัย ๑", "แม่ลาว ๒", "ดอยหลวง", "พานเหนือ", "ริมกก", "สันทราย"]
FIRST = ["สมชาย", "สมหญิง", "วิไลวรรณ", "ประเสริฐ", "กาญจนา", "ณัฐพล", "พิมพ์ชนก", "ธีรวัฒน์", "อรุณี", "สุนทร"]
LAST = ["ใจดี", "สิงห์คำ", "แก้วมูล", "ศรีวงศ์", "ปัญญาดี", "คำแสน", "อินทร์ตา", "วงศ์ใหญ่", "บุญมา", "ทองดี"]
TOPICS = [
    "การจัดการเรียนรู้เชิงรุก (Active Learning)",
    "การอ่านออกเขียนได้ ชั้นประถมศึกษาปีที่ ๑",
    "การวัดและประเมินผลตามสภาพจริง",
    "หลักสูตรสถานศึกษา",
    "การใช้สื่อเทคโนโลยีในห้องเรียน",
    "ชุมชนการเรียนรู้ทางวิชาชีพ (PLC)",
    "การยกระดับผลสัมฤทธิ์ O-NET",
    "การประกันคุณภาพภายใน",
    "การจัดการเรียนรู้ภาษาอังกฤษ",
    "วิทยาการคำนวณ",
    "การเรียนรู้แบบโครงงาน",
    "ระบบดูแลช่วยเหลือนักเรียน",
]
FINDINGS = [
    "ครูจัดกิจกรรมการเรียนรู้ที่เน้นผู้เรียนเป็นสำคัญ นักเรียนมีส่วนร่วมในการเรียนอย่างกระตือรือร้น",
    "โรงเรียนมีแผนการจัดการเรียนรู้ครบทุกกลุ่มสาระ แต่ยังขาดการบันทึกหลังสอนอย่างสม่ำเสมอ",
    "ผลการทดสอบการอ่านของนักเรียนชั้น ป.๑ ผ่านเกณฑ์ร้อยละ ๘๗ สูงขึ้นจากภาคเรียนที่แล้ว",
    "ครูใช้สื่อดิจิทัลประกอบการสอน แต่อินเทอร์เน็ตของโรงเรียนยังไม่เสถียร",
    "ผู้บริหารสถานศึกษาให้ความสำคัญกับการนิเทศภายใน มีปฏิทินการนิเทศชัดเจน",
]
SUGGESTIONS = [
    "ควรจัดทำบันทึกหลังสอนทุกครั้ง และนำผลมาปรับปรุงการสอนในชั่วโมงถัดไป",
    "ควรส่งเสริมให้ครูแลกเปลี่ยนเรียนรู้ผ่านกระบวนการ PLC อย่างน้อยเดือนละ ๑ ครั้ง",
    "ควรจัดหาสื่อการอ่านที่หลากหลาย และจัดมุมรักการอ่านในห้องเรียน",
    "ควรใช้ข้อมูลผลการทดสอบระดับชาติวางแผนพัฒนาผู้เรียนรายบุคคล",
]
KINDS = ["visit"] * 6 + ["meeting", "training", "report", "media", "website", "research", "other"]
MODES = ["onsite"] * 5 + ["online", "hybrid"]


def school_rows(count: int, rng: random.Random, *, province: str = "57") -> list[tuple]:
    """OBEC-like codes (8 digits, leading province code) and Thai school names."""
    rows, names = [], set()
    now = "2026-05-01T00:00:00+00:00"
    for n in range(count):
        while True:
            name = "โรงเรียนบ้าน" + "".join(rng.sample(PLACES, 2))
            if name not in names or len(names) > len(PLACES) ** 2 // 2:
                break
        if name in names:
            name = f"{name} {n}"
        names.add(name)
        code = f"{province}{n + 1:06d}"
        group = GROUPS[n % len(GROUPS)]
        rows.append((code, name, group, rng.choice(DISTRICTS), now, now))
    return rows


def _supervisor_ids(conn: sqlite3.Connection, count: int, rng: random.Random) -> list[int]:
    ids = [conn.execute("SELECT id FROM supervisors WHERE is_self = 1").fetchone()[0]]
    now = "2026-05-01T00:00:00+00:00"
    for n in range(count - 1):
        cur = conn.execute(
            "INSERT INTO supervisors (uuid, name, position, office, is_self, updated_at) VALUES (?, ?, 'ศึกษานิเทศก์', ?, 0, ?)",
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                f"{rng.choice(FIRST)} {rng.choice(LAST)} {n}",
                "สพป.",
                now,
            ),
        )
        ids.append(cur.lastrowid)
    return ids


def _activities(conn, rng, count, schools, standards, visit_standards, supervisors):
    """Insert ``count`` activities with their standards and schools; returns their ids."""
    now = "2026-11-01T00:00:00+00:00"
    batch, links_std, links_school = [], [], []
    first_id = (conn.execute("SELECT coalesce(max(id), 0) FROM activities").fetchone()[0]) + 1
    for n in range(count):
        activity_id = first_id + n
        day = YEAR_START + timedelta(days=rng.randrange(YEAR_DAYS))
        kind = rng.choice(KINDS)
        topic = rng.choice(TOPICS)
        if kind == "visit":
            school = rng.choice(schools)
            std = rng.choice(visit_standards)
            title = f"นิเทศ ติดตาม {topic} {school[1]}"
            links_school.append((activity_id, school[0]))
            if rng.random() < 0.1:  # a visit to two schools of a cluster on one day
                other = rng.choice(schools)
                if other[0] != school[0]:
                    links_school.append((activity_id, other[0]))
        else:
            std = rng.choice(standards)
            title = f"{topic} ({kind})"
        links_std.append((activity_id, std))
        if rng.random() < 0.15:
            extra = rng.choice(standards)
            if extra != std:
                links_std.append((activity_id, extra))
        batch.append(
            (
                activity_id,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                rng.choice(supervisors),
                day.isoformat(),
                kind,
                rng.choice(MODES),
                title,
                " ".join(rng.sample(FINDINGS, 2)),
                rng.choice(SUGGESTIONS),
                f"ครู {rng.randint(2, 20)} คน",
                rng.randint(2, 20),
                now,
                now,
            )
        )
    conn.executemany(
        "INSERT INTO activities (id, uuid, supervisor_id, date, kind, mode, title, findings, suggestions, participants,"
        " teachers, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch,
    )
    conn.executemany("INSERT INTO activity_standards (activity_id, standard_id) VALUES (?, ?)", links_std)
    conn.executemany("INSERT INTO activity_schools (activity_id, school_code) VALUES (?, ?)", links_school)
    return [row[0] for row in batch]


FOLLOW_UP_RESULTS = [
    "ครูบันทึกหลังสอนครบทุกชั้นแล้ว",
    "จัดมุมรักการอ่านแล้ว ๓ ห้องเรียน",
    "ประชุม PLC เดือนละครั้งตามแผน",
    "ยังไม่ได้จัดทำ เนื่องจากครูติดภารกิจ",
    "ดำเนินการแล้วบางส่วน",
]


def add_follow_ups(conn: sqlite3.Connection, *, share: float = 0.2, checked: float = 0.8, seed: int = 10) -> int:
    """Follow-ups (issue 10) for a ``share`` of the visits, as the cycle goes: an item at the
    visit's first school, with a check-by date 2–8 weeks later for half of them (else due at
    the next visit); at the school's next entry it is checked and closed (done, partly or not
    done, with a result) with probability ``checked``, else it stays open — overdue once its
    day has passed. A pass of its own, with its own random stream, so that the activities of
    a seeded database stay what they were; a database generated before follow-ups existed
    gets them from ``bench/run.py``. Returns how many were added."""
    rng = random.Random(seed)
    now = "2026-11-01T00:00:00+00:00"
    entries: dict[str, list[str]] = {}  # school -> the days of its entries, in order
    for school, day in conn.execute(
        "SELECT y.school_code, a.date FROM activity_schools y JOIN activities a ON a.id = y.activity_id ORDER BY 1, 2"
    ):
        entries.setdefault(school, []).append(day)
    rows = []
    visits = conn.execute(
        "SELECT a.id, a.date, min(y.school_code) FROM activities a JOIN activity_schools y ON y.activity_id = a.id"
        " WHERE a.kind = 'visit' GROUP BY a.id ORDER BY a.id"
    )
    for activity_id, day, school in visits:
        if rng.random() >= share:
            continue
        given = date.fromisoformat(day)
        check_by = (given + timedelta(days=rng.randrange(14, 57))).isoformat() if rng.random() < 0.5 else None
        days = entries.get(school, [])
        later = days[bisect.bisect_right(days, day)] if bisect.bisect_right(days, day) < len(days) else None
        status, result, closed_on = "open", "", None
        if later is not None and rng.random() < checked:
            status = rng.choice(["done", "done", "partly", "not_done"])
            result = rng.choice(FOLLOW_UP_RESULTS)
            closed_on = later
        rows.append(
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                activity_id,
                school,
                rng.choice(SUGGESTIONS),
                day,
                check_by,
                status,
                result,
                closed_on,
                now,
                now,
            )
        )
    conn.executemany(
        "INSERT INTO follow_ups (uuid, activity_id, school_code, text, given_on, check_by, status, result, closed_on,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(rows)


def _base(db_path: Path) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    conn = connect(db_path)
    store_manual(conn, read_manual(bundled_manual()))
    return conn


def _standards(conn):
    standards = [r[0] for r in conn.execute("SELECT id FROM standards WHERE retired_at IS NULL")]
    visit = [r[0] for r in conn.execute("SELECT id FROM standards WHERE target IS NOT NULL")]
    return standards, visit


def make_photo(path: Path, n: int, rng: random.Random) -> None:
    """A phone-sized JPEG (2592×1944, 5 megapixels) with drawn shapes; every seventh carries EXIF orientation 6."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (2592, 1944), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randrange(2592), rng.randrange(1944)
        draw.rectangle(
            (x, y, x + rng.randrange(80, 700), y + rng.randrange(80, 500)),
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    draw.text((40, 40), f"photo {n}", fill=(255, 255, 255))
    # Sensor noise, so that the file is as large and as slow to decode as a real photo.
    image = Image.blend(image, Image.effect_noise(image.size, 60).convert("RGB"), 0.2)
    exif = Image.Exif()
    if n % 7 == 0:
        exif[0x0112] = 6  # rotated 90° as a phone held upright stores it
    image.save(path, "JPEG", quality=85, exif=exif.tobytes())


def busy_year(
    db_path: Path, *, activities: int = 3000, schools: int = 200, photos: int = 500, seed: int = 2569
) -> Path:
    rng = random.Random(seed)
    conn = _base(db_path)
    try:
        standards, visit = _standards(conn)
        rows = school_rows(schools, rng)
        with transaction(conn):
            conn.executemany(
                "INSERT INTO schools (code, name, school_group, district, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            supervisors = _supervisor_ids(conn, 1, rng)
            ids = _activities(conn, rng, activities, rows, standards, visit, supervisors)
            add_follow_ups(conn)
        # Photos go through the real evidence store (hash, copy, rename), links straight in.
        photo_dir = db_path.parent / f"{db_path.stem}-photos"
        photo_dir.mkdir(exist_ok=True)
        evidence = []
        for n in range(photos):
            path = photo_dir / f"IMG_{n:04d}.jpg"
            if not path.exists():
                make_photo(path, n, rng)
            stored = store_file(db_path, path)
            evidence.append(
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    rng.choice(ids),
                    "file",
                    stored.sha256,
                    path.name,
                    stored.media_type,
                    stored.size,
                    None,
                    f"ภาพกิจกรรมที่ {n + 1}",
                    "2026-11-01T00:00:00+00:00",
                )
            )
        for n in range(activities // 3):
            evidence.append(
                (
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    rng.choice(ids),
                    "link",
                    None,
                    None,
                    None,
                    None,
                    f"https://drive.google.com/file/d/{n:08d}/view",
                    "แฟ้มรายงาน",
                    "2026-11-01T00:00:00+00:00",
                )
            )
        with transaction(conn):
            conn.executemany(
                "INSERT INTO evidence (uuid, activity_id, kind, sha256, original_name, media_type, size, url, caption, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                evidence,
            )
    finally:
        conn.close()
    return db_path


def national(
    db_path: Path, *, activities: int = 1_000_000, schools: int = 30_000, supervisors: int = 600, seed: int = 2570
) -> Path:
    rng = random.Random(seed)
    conn = _base(db_path)
    try:
        standards, visit = _standards(conn)
        rows = school_rows(schools, rng, province="10")
        with transaction(conn):
            conn.executemany(
                "INSERT INTO schools (code, name, school_group, district, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            supervisor_ids = _supervisor_ids(conn, supervisors, rng)
            step = 100_000
            for start in range(0, activities, step):
                _activities(conn, rng, min(step, activities - start), rows, standards, visit, supervisor_ids)
            add_follow_ups(conn)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return db_path


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Generate a synthetic nitet database")
    parser.add_argument("size", choices=["busy-year", "national"])
    parser.add_argument("db", type=Path)
    args = parser.parse_args()
    (busy_year if args.size == "busy-year" else national)(args.db)
    print(args.db)
