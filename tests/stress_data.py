"""Shared material for the stress suites (issue 5): a small manual, schools, entries.

The suites do not depend on the bundled manual: they load this one, so that they
test storage, concurrency and documents rather than one particular manual's text.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

SMALL_MANUAL = {
    "manual": {"title": "คู่มือปฏิบัติงาน"},
    "profile": {
        "name": "นางสาวทดสอบ ระบบดี",
        "position": "ศึกษานิเทศก์",
        "academic_standing": "ชำนาญการพิเศษ",
        "work_unit": "กลุ่มนิเทศ ติดตามและประเมินผลการจัดการศึกษา",
        "work_group": "",
        "office": "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงราย เขต ๑",
        "agency": "สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน",
        "ministry": "กระทรวงศึกษาธิการ",
    },
    "duties": [
        {
            "number": 1,
            "title": "การนิเทศการจัดการเรียนรู้",
            "standards": [
                {"step": 1, "activity": "ศึกษาสภาพปัญหา", "standard": "มีข้อมูลสภาพปัญหาครบทุกโรงเรียน"},
                {
                    "step": 2,
                    "activity": "ลงพื้นที่นิเทศโรงเรียน",
                    "standard": "นิเทศโรงเรียนในกลุ่มบ้านคู่ อย่างน้อยภาคเรียนละ ๒ ครั้ง",
                    "target": {"kind": "school_visits", "min_per_term": 2, "school_groups": ["บ้านคู่"]},
                },
            ],
        },
        {
            "number": 2,
            "title": "การพัฒนาสื่อ นวัตกรรม",
            "standards": [{"step": 1, "activity": "พัฒนาสื่อ", "standard": "มีสื่ออย่างน้อย ๑ ชิ้นต่อปี"}],
        },
    ],
}

SCHOOLS = [
    ("57010001", "โรงเรียนบ้านคู่", "บ้านคู่", "เมืองเชียงราย"),
    ("57010002", "โรงเรียนบ้านดอยฮาง", "บ้านคู่", "เมืองเชียงราย"),
    ("57010003", "โรงเรียนบ้านห้วยแม่เลี่ยม", "พื้นที่สูง", "เมืองเชียงราย"),
]


def write_manual_yaml(path: Path, data: dict | None = None) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data or SMALL_MANUAL, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def init_db(db_path: Path, *, manual: dict | None = None, schools=SCHOOLS) -> sqlite3.Connection:
    """A database with the small manual and three schools, through the library."""
    from nitet_cli.db import connect, transaction
    from nitet_cli.manual import parse_manual, store_manual
    from nitet_cli.schools import School, upsert_school

    conn = connect(db_path)
    store_manual(conn, parse_manual(manual or SMALL_MANUAL))
    with transaction(conn):
        for code, name, group, district in schools:
            upsert_school(conn, School(code, name, group, district))
    return conn


def add_entry(conn, db_path: Path, n: int, *, evidence=(), title: str | None = None) -> int:
    from nitet_cli.activities import NewActivity, add_activity

    return add_activity(
        conn,
        db_path,
        NewActivity(
            date=date(2026, 11, 1) + timedelta(days=n % 20),
            title=title or f"นิเทศการจัดการเรียนรู้ ครั้งที่ {n}",
            standards=["1.2"],
            schools=[SCHOOLS[n % len(SCHOOLS)][0]],
            findings="ครูจัดกิจกรรมการเรียนรู้เชิงรุก",
            evidence=list(evidence),
        ),
    )
