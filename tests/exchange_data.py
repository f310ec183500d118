"""Test data for export, import and merge: supervisors' databases built with the library
(`nitet init` with a manual whose profile names the supervisor, schools.add_or_update_school,
activities.add_activity with real photo files and links)."""

from __future__ import annotations

import sqlite3
import zlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import yaml
from conftest import BUNDLED_MANUAL, Nitet

from nitet_cli.activities import EvidenceInput, NewActivity, add_activity
from nitet_cli.db import connect
from nitet_cli.deletions import instant
from nitet_cli.schools import School, add_or_update_school

SCHOOLS = [
    School("57010001", "โรงเรียนบ้านคู่", "บ้านคู่", "เมืองเชียงราย"),
    School("05701002", "โรงเรียนบ้านดอยฮาง", "บ้านคู่", "เมืองเชียงราย"),
    School("57010003", "โรงเรียนบ้านห้วยแม่เลี่ยม", "พื้นที่สูง", "เมืองเชียงราย"),
    School("57010004", 'โรงเรียนอนุบาล, เชียงราย "ตัวอย่าง"', "", "เมืองเชียงราย"),
]


def later(hours: float = 1) -> str:
    """A time stamp later than every edit a test made so far, by this computer's clock: ``hours``
    ahead, well within what import and merge believe (a stamp over a day ahead is a wrong clock)."""
    return (datetime.now(timezone.utc) + timedelta(hours=hours)).isoformat(timespec="seconds")


def far_future(years: int = 5) -> str:
    """A time stamp of a computer whose clock is years ahead."""
    return (datetime.now(timezone.utc) + timedelta(days=365 * years)).isoformat(timespec="seconds")


def be_year(stamp: str) -> str:
    """The Buddhist Era year of an ISO stamp, as nitet's messages name it."""
    return str(int(stamp[:4]) + 543)


def not_ahead(stamp: str) -> bool:
    """No later than this computer's clock (with the day of tolerance)."""
    return instant(stamp) <= datetime.now(timezone.utc) + timedelta(days=1)


def imported_copy(source: Nitet, target: Path, archive: Path) -> Nitet:
    """A new database at ``target`` (`nitet init`, its folder made) holding ``source``'s entries:
    ``source`` exported to ``archive``, imported."""
    copy = Nitet(target)
    copy.db_path.parent.mkdir()
    copy("init")
    source("export", "-o", archive)
    copy("import", archive)
    return copy


def manual_for(name: str, directory: Path) -> Path:
    """The bundled manual with the profile of supervisor ``name``."""
    data = yaml.safe_load(BUNDLED_MANUAL.read_text(encoding="utf-8"))
    data["profile"]["name"] = name
    path = directory / f"manual-{zlib.crc32(name.encode())}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def photo(directory: Path, name: str, payload: str) -> Path:
    path = directory / name
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + payload.encode() * 40 + b"\xff\xd9")
    return path


def supervisor_db(path: Path, name: str, work: Path, *, schools=SCHOOLS, visits: int = 3, tag: str = "") -> Nitet:
    """A supervisor's database: `nitet init` with their profile, schools, ``visits`` visits with a photo
    and a link each, and one meeting without schools."""
    work.mkdir(parents=True, exist_ok=True)
    nitet = Nitet(path)
    nitet("init", "--manual", manual_for(name, work))
    conn = connect(path)
    try:
        for school in schools:
            add_or_update_school(conn, School(school.code, school.name, school.school_group, school.district))
        for n in range(visits):
            school = schools[n % len(schools)]
            add_activity(
                conn,
                path,
                NewActivity(
                    date=date(2026, 11, 2 + n),
                    title=f"นิเทศการอ่านออกเขียนได้ ครั้งที่ {n + 1} ({name}{tag})",
                    standards=["7.3", "7.4"] if n % 2 else ["7.3"],
                    schools=[school.code] + ([schools[1].code] if n == 0 else []),
                    findings=f"ครูใช้แบบฝึกอ่าน\nนักเรียนอ่านคล่อง {80 + n}%",
                    suggestions="ควรเพิ่มเวลาอ่าน, ทุกวัน",
                    participants="ครู ๕ คน",
                    teachers=5 + n,
                    evidence=[
                        EvidenceInput(
                            path=photo(work, f"ภาพ {name}{tag} {n}.jpg", f"{name}{tag}{n}"), caption=f"ภาพที่ {n + 1}"
                        ),
                        EvidenceInput(
                            url=f"https://drive.google.com/file/d/{zlib.crc32((name + tag).encode())}-{n}",
                            caption="บันทึก",
                        ),
                    ],
                ),
            )
        add_activity(
            conn,
            path,
            NewActivity(
                date=date(2026, 11, 20),
                title=f"ประชุมสรุปผล <&> {{{{ x }}}} ({name}{tag})",
                standards=["7.4"],
                kind="meeting",
                mode="online",
            ),
        )
    finally:
        conn.close()
    return nitet


def query(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def content(db: Path) -> dict:
    """What a database holds, independent of row ids: to compare two databases."""
    activities = {}
    for row in query(
        db,
        "SELECT a.uuid, s.uuid, a.date, a.kind, a.mode, a.title, a.findings, a.suggestions, a.participants, a.teachers,"
        " a.created_at, a.updated_at, a.id FROM activities a LEFT JOIN supervisors s ON s.id = a.supervisor_id",
    ):
        activity_id = row[-1]
        activities[row[0]] = {
            "fields": row[1:-1],
            "standards": sorted(
                r[0]
                for r in query(db, "SELECT standard_id FROM activity_standards WHERE activity_id = ?", (activity_id,))
            ),
            "schools": sorted(
                r[0]
                for r in query(db, "SELECT school_code FROM activity_schools WHERE activity_id = ?", (activity_id,))
            ),
            "evidence": sorted(
                query(
                    db,
                    "SELECT uuid, kind, sha256, original_name, media_type, size, url, caption, created_at FROM evidence WHERE activity_id = ?",
                    (activity_id,),
                )
            ),
        }
    return {
        "activities": activities,
        "schools": sorted(query(db, "SELECT code, name, school_group, district FROM schools")),
        "supervisors": sorted(
            query(
                db,
                "SELECT uuid, name, position, academic_standing, work_unit, work_group, office, agency, ministry FROM supervisors",
            )
        ),
    }


def store_files(db: Path) -> dict[str, bytes]:
    store = db.with_name(f"{db.stem}-evidence")
    if not store.is_dir():
        return {}
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted(store.rglob("*")) if p.is_file()}
