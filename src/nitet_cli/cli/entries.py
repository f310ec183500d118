"""Reading and changing entries: ``nitet list``, ``show``, ``edit``, ``delete`` and ``nitet evidence
add|list|open|remove`` (recording them is ``cli/record.py``).

Listing must start fast too: nothing here imports the DOCX stack (python-docx, docxtpl, Pillow),
and services are imported inside the commands.
"""

from pathlib import Path
from typing import Annotated

import typer

from nitet_cli.cli import common
from nitet_cli.cli.common import (
    CaptionOption,
    JsonOption,
    KindOption,
    ModeOption,
    NitetGroup,
    echo,
    open_db,
    print_json,
    state,
    text,
)
from nitet_cli.cli.completion import complete_school, complete_standard
from nitet_cli.cli.follow_up_view import follow_up_when

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

evidence_app = typer.Typer(cls=NitetGroup, help="ร่องรอย/หลักฐาน (ไฟล์และลิงก์) ของรายการที่บันทึกแล้ว", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")


# --- reading -----------------------------------------------------------------------------------------


@app.command("list")
def list_entries(
    ctx: typer.Context,
    year: Annotated[str | None, typer.Option("--year", "-y", help="ปีการศึกษา พ.ศ. เช่น 2569")] = None,
    term: Annotated[int | None, typer.Option("--term", help="ภาคเรียน 1 หรือ 2 (ไม่ใส่ --year: ปีการศึกษาปัจจุบัน)")] = None,
    since: Annotated[str | None, typer.Option("--from", help="ตั้งแต่วันที่")] = None,
    until: Annotated[str | None, typer.Option("--to", help="ถึงวันที่")] = None,
    standard: Annotated[
        str | None, typer.Option("--standard", help="มาตรฐาน เช่น 7.3 หรือทั้งเรื่อง เช่น 7", autocompletion=complete_standard)
    ] = None,
    school: Annotated[
        str | None, typer.Option("--school", "-s", help="โรงเรียน (รหัสหรือชื่อ)", autocompletion=complete_school)
    ] = None,
    kind: KindOption = None,
    search: Annotated[str | None, typer.Option("--search", help="คำในชื่อกิจกรรม ผลการนิเทศ หรือข้อเสนอแนะ")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=0, help="แสดงกี่รายการ (ใหม่สุดก่อน)")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="ข้ามกี่รายการแรก")] = 0,
    json_output: JsonOption = False,
) -> None:
    """รายการที่บันทึกไว้ ใหม่สุดก่อน (วันที่เป็น พ.ศ.)"""
    from nitet_cli.clock import today
    from nitet_cli.dates import parse_date
    from nitet_cli.errors import InputError
    from nitet_cli.schools import resolve_school
    from nitet_cli.search import ActivityFilter, list_activities
    from nitet_cli.terms import check_year_term, current_term, get_term
    from nitet_cli.thai import to_arabic_digits

    conn = open_db(ctx)
    where = ActivityFilter(
        standard=standard, kind=str(kind) if kind else None, search=search, limit=limit, offset=offset
    )
    if year is not None or term is not None:
        if year is not None:
            digits = to_arabic_digits(year.strip())
            if not digits.isdigit():
                raise InputError(f"--year ต้องเป็นปีการศึกษา พ.ศ. เช่น 2569 ไม่ใช่ '{year}'")
            number = int(digits)
        else:
            number = current_term(conn, today()).year
        check_year_term(number, term or 1)
        if term is not None:
            chosen = get_term(conn, number, term)
            where.start, where.end = chosen.start, chosen.end
        else:
            where.start, where.end = get_term(conn, number, 1).start, get_term(conn, number, 2).end
    if since:
        day = parse_date(since)
        where.start = max(where.start, day) if where.start else day
    if until:
        day = parse_date(until)
        where.end = min(where.end, day) if where.end else day
    if school:
        where.school = resolve_school(conn, school).code
    page = list_activities(conn, where)
    if json_output:
        print_json({"total": page.total, "shown": len(page.rows), "offset": offset, "entries": page.rows})
        return
    if not page.rows:
        echo("ไม่พบรายการ" if page.total == 0 else f"ไม่มีรายการในช่วงนี้ (ทั้งหมด {page.total:,} รายการ)")
        return
    out = common.console()
    out.print(_entries_table(page.rows, out.width))
    first = offset + 1
    echo(f"แสดงรายการที่ {first:,}–{offset + len(page.rows):,} จากที่ตรงเงื่อนไข {page.total:,} รายการ (ใหม่สุดก่อน)")


#: Below this many columns ``list`` drops the kind and evidence columns, draws no side
#: borders and writes โรงเรียน as ร.ร., so that the date, the school and the title keep
#: room to be read (80 columns: about 14 for the school and 28 for the title).
LIST_WIDE = 100


def _school_names(schools: list[dict], narrow: bool) -> str:
    names = [s["name"] for s in schools]
    if narrow:
        names = ["ร.ร." + n[len("โรงเรียน") :].lstrip() if n.startswith("โรงเรียน") else n for n in names]
        if len(names) > 2:
            return f"{names[0]} และอีก {len(names) - 1} แห่ง"
    return ", ".join(names)


def _entries_table(rows: list[dict], width: int):
    """The entries as a table that fits ``width``: the date and standards whole, the school
    and the title wrapped (at spaces, and inside a run of Thai longer than the column),
    never cut to nothing."""
    from rich import box
    from rich.table import Table

    from nitet_cli.activities import KINDS
    from nitet_cli.thai import be_date_short

    narrow = width < LIST_WIDE
    table = Table(box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD, show_edge=not narrow, title_justify="left")
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("วันที่", no_wrap=True)
    if not narrow:
        table.add_column("ประเภท", no_wrap=True)
    table.add_column("มาตรฐาน", no_wrap=True)
    table.add_column("โรงเรียน", ratio=1, min_width=8, overflow="fold")
    table.add_column("ชื่อกิจกรรม", ratio=2, min_width=12, overflow="fold")
    if not narrow:
        table.add_column("หลักฐาน", justify="right", no_wrap=True)
    for row in rows:
        cells = [text(row["id"]), text(be_date_short(row["date"]))]
        if not narrow:
            cells.append(text(KINDS.get(row["kind"], row["kind"])))
        cells += [
            text(", ".join(row["standards"])),
            text(_school_names(row["schools"], narrow)),
            text(row["title"]),
        ]
        if not narrow:
            cells.append(text(row["evidence"]))
        table.add_row(*cells)
    return table


@app.command("show")
def show(
    ctx: typer.Context,
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="หมายเลขรายการ")],
    json_output: JsonOption = False,
) -> None:
    """แสดงรายการหนึ่งรายการพร้อมหลักฐาน"""
    from nitet_cli.activities import KINDS, MODES, describe_activity
    from nitet_cli.thai import be_date

    entry = describe_activity(open_db(ctx), state(ctx).db_path, activity_id)
    if json_output:
        print_json(entry)
        return
    lines = [
        f"รายการที่ {entry['id']} ({entry['uuid']})",
        f"วันที่: {be_date(entry['date'])}"
        + (f" — ภาคเรียนที่ {entry['term']}/{entry['academic_year']}" if entry["term"] else " — ช่วงปิดภาคเรียน"),
        f"ประเภท: {KINDS.get(entry['kind'], entry['kind'])}  รูปแบบ: {MODES.get(entry['mode'], entry['mode'])}",
        f"ชื่อกิจกรรม: {entry['title']}",
    ]
    for sid, standard_text in entry["standard_texts"].items():
        lines.append(f"มาตรฐาน {sid}: {standard_text}")
    for s in entry["schools"]:
        lines.append(f"โรงเรียน: {s['name']} ({s['code']}) กลุ่ม {s['group'] or '-'}")
    if entry["teachers"] is not None:
        lines.append(f"ครู: {entry['teachers']} คน")
    for label, key in (("ผู้เข้าร่วม", "participants"), ("ผลการนิเทศ", "findings"), ("ข้อเสนอแนะ", "suggestions")):
        if entry[key]:
            lines.append(f"{label}: {entry[key]}")
    if entry["supervisor"]:
        lines.append(f"ผู้บันทึก: {entry['supervisor']}")
    for item in entry["evidence"]:
        lines.append(_evidence_line(item))
    for item in entry["follow_ups"]:
        state_text = item["status_label"] + (
            f" {be_date(item['closed_on'])}: {item['result']}" if item["closed_on"] else ""
        )
        lines.append(
            f"ติดตาม #{item['id']} {item['school_name']} ({follow_up_when(item)}): {item['text']} — {state_text}"
        )
    for line in lines:
        echo(line)


def _evidence_line(item: dict) -> str:
    caption = f" — {item['caption']}" if item["caption"] else ""
    if item["kind"] == "link":
        return f"หลักฐาน #{item['id']}: ลิงก์ {item['url']}{caption}"
    size = f"{item['size']:,} ไบต์" if item["size"] is not None else ""
    return f"หลักฐาน #{item['id']}: {item['original_name']} ({item['media_type']}, {size}){caption}"


# --- changing -----------------------------------------------------------------------------------------


@app.command("edit")
def edit(
    ctx: typer.Context,
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="หมายเลขรายการ")],
    when: Annotated[str | None, typer.Option("--date", "-d", help="วันที่ใหม่")] = None,
    title: Annotated[str | None, typer.Option("--title", "-t", help="ชื่อกิจกรรมใหม่")] = None,
    standard: Annotated[
        list[str] | None,
        typer.Option("--standard", help="มาตรฐาน (แทนที่ของเดิมทั้งหมด; ใส่ได้หลายครั้ง)", autocompletion=complete_standard),
    ] = None,
    school: Annotated[
        list[str] | None,
        typer.Option("--school", "-s", help="โรงเรียน (แทนที่ของเดิมทั้งหมด; ใส่ได้หลายครั้ง)", autocompletion=complete_school),
    ] = None,
    no_school: Annotated[bool, typer.Option("--no-school", help="ไม่ผูกกับโรงเรียนใด")] = False,
    kind: KindOption = None,
    mode: ModeOption = None,
    findings: Annotated[str | None, typer.Option("--findings", help="ผลการนิเทศ")] = None,
    suggestions: Annotated[str | None, typer.Option("--suggestions", help="ข้อเสนอแนะ")] = None,
    participants: Annotated[str | None, typer.Option("--participants", help="ผู้เข้าร่วม")] = None,
    teachers: Annotated[int | None, typer.Option("--teachers", min=0, help="จำนวนครู")] = None,
    allow_future: Annotated[bool, typer.Option("--allow-future", help="ยอมให้เป็นวันที่ในอนาคต")] = False,
    json_output: JsonOption = False,
) -> None:
    """แก้ไขรายการ (ตรวจแบบเดียวกับตอนบันทึก; บันทึกทั้งหมดหรือไม่บันทึกเลย)"""
    from nitet_cli.dates import parse_date
    from nitet_cli.editing import ActivityChanges, update_activity
    from nitet_cli.errors import InputError
    from nitet_cli.schools import resolve_school

    if school and no_school:
        raise InputError("ใช้ --school กับ --no-school พร้อมกันไม่ได้ — เลือกอย่างใดอย่างหนึ่ง")
    day = parse_date(when) if when is not None else None
    conn = open_db(ctx)
    codes = None
    if school:
        codes = [resolve_school(conn, s).code for s in school]
    elif no_school:
        codes = []
    changes = ActivityChanges(
        date=day,
        title=title,
        standards=list(standard) if standard else None,
        schools=codes,
        kind=str(kind) if kind else None,
        mode=str(mode) if mode else None,
        findings=findings,
        suggestions=suggestions,
        participants=participants,
        teachers=teachers,
    )
    entry = update_activity(conn, activity_id, changes, allow_future=allow_future)
    if json_output:
        from nitet_cli.activities import describe_activity

        print_json(describe_activity(conn, state(ctx).db_path, activity_id))
        return
    echo(f"แก้ไขรายการที่ {entry['id']} แล้ว")


@app.command("delete")
def delete(
    ctx: typer.Context,
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="หมายเลขรายการ")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="ลบโดยไม่ถาม (จำเป็นเมื่อรันจากสคริปต์)")] = False,
    json_output: JsonOption = False,
) -> None:
    """ลบรายการและหลักฐานของรายการ (ไฟล์ที่รายการอื่นใช้อยู่จะยังเก็บไว้)"""
    from nitet_cli.activities import get_activity
    from nitet_cli.editing import delete_activity
    from nitet_cli.errors import InputError
    from nitet_cli.thai import be_date

    conn = open_db(ctx)
    entry = get_activity(conn, activity_id)  # an unknown id is refused before asking
    if not yes:
        if not common.is_interactive():
            raise InputError(f"ไม่ได้ลบรายการที่ {activity_id} — ใส่ --yes เพื่อยืนยันการลบเมื่อรันจากสคริปต์")
        question = f"ลบรายการที่ {activity_id} '{entry['title']}' ({be_date(entry['date'])}) และหลักฐาน {len(entry['evidence'])} ชิ้น?"
        if not typer.confirm(common.terminal_safe(question), default=False):
            echo("ยกเลิก ไม่ได้ลบ", err=True)
            raise typer.Exit(1)
    result = delete_activity(conn, state(ctx).db_path, activity_id)
    if json_output:
        print_json(result.as_dict())
        return
    echo(
        f"ลบรายการที่ {result.id} แล้ว (หลักฐาน {result.evidence_rows} ชิ้น; ลบไฟล์ {result.files_removed},"
        f" เก็บไฟล์ที่รายการอื่นใช้ {result.files_kept})"
    )


# --- evidence ---------------------------------------------------------------------------------------


@evidence_app.command("add")
def evidence_add(
    ctx: typer.Context,
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="หมายเลขรายการ")],
    targets: Annotated[list[str], typer.Argument(metavar="PATH|URL...", help="ไฟล์ หรือลิงก์ https://…")],
    caption: CaptionOption = None,
    json_output: JsonOption = False,
) -> None:
    """เพิ่มหลักฐาน (ไฟล์หรือลิงก์) ให้รายการที่บันทึกแล้ว (--caption ครั้งเดียว: ทุกชิ้น; เท่าจำนวนชิ้น: ตามลำดับ)"""
    from nitet_cli.activities import EvidenceInput, list_evidence
    from nitet_cli.editing import add_evidence
    from nitet_cli.errors import InputError

    captions = list(caption or [])
    if len(captions) > 1 and len(captions) != len(targets):
        raise InputError(
            f"ได้คำบรรยาย {len(captions)} ข้อสำหรับหลักฐาน {len(targets)} ชิ้น — ใส่ --caption ครั้งเดียว (ใช้กับทุกชิ้น)"
            " หรือเท่าจำนวนไฟล์และลิงก์ (ตามลำดับ)"
        )
    texts = captions if len(captions) > 1 else [captions[0] if captions else ""] * len(targets)
    items = [
        EvidenceInput(url=t, caption=text) if "://" in t else EvidenceInput(path=Path(t), caption=text)
        for t, text in zip(targets, texts)
    ]  # in the order given
    conn = open_db(ctx)
    ids = add_evidence(conn, state(ctx).db_path, activity_id, items)
    if json_output:
        print_json([e for e in list_evidence(conn, state(ctx).db_path, activity_id) if e["id"] in ids])
        return
    for evidence_id in ids:
        echo(str(evidence_id))


@evidence_app.command("list")
def evidence_list(
    ctx: typer.Context,
    activity_id: Annotated[int, typer.Argument(metavar="ID", help="หมายเลขรายการ")],
    json_output: JsonOption = False,
) -> None:
    """หลักฐานของรายการ"""
    from nitet_cli.activities import list_evidence

    items = list_evidence(open_db(ctx), state(ctx).db_path, activity_id)
    if json_output:
        print_json(items)
        return
    if not items:
        echo(f"รายการที่ {activity_id} ยังไม่มีหลักฐาน — เพิ่มด้วย 'nitet evidence add {activity_id} FILE'")
        return
    for item in items:
        echo(_evidence_line(item))


@evidence_app.command("open")
def evidence_open(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(metavar="EVIDENCE_ID", help="หมายเลขหลักฐาน")],
    json_output: JsonOption = False,
) -> None:
    """พิมพ์ที่อยู่ของไฟล์หลักฐานในที่เก็บ (หรือลิงก์) เช่น xdg-open "$(nitet evidence open 7)\""""
    from nitet_cli.activities import get_evidence
    from nitet_cli.errors import NotFoundError

    item = get_evidence(open_db(ctx), state(ctx).db_path, evidence_id)
    if item["kind"] == "file" and not Path(item["path"]).exists():
        raise NotFoundError(
            f"ไฟล์ของหลักฐานที่ {evidence_id} ({item['original_name']}) หายไปจากที่เก็บ {item['path']} — ตรวจด้วย 'nitet doctor'"
        )
    if json_output:
        print_json(item)
        return
    echo(item["path"] if item["kind"] == "file" else item["url"])


@evidence_app.command("remove")
def evidence_remove(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(metavar="EVIDENCE_ID", help="หมายเลขหลักฐาน")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="ลบโดยไม่ถาม (จำเป็นเมื่อรันจากสคริปต์)")] = False,
    json_output: JsonOption = False,
) -> None:
    """เอาหลักฐานชิ้นหนึ่งออกจากรายการ (ไฟล์ที่รายการอื่นใช้อยู่จะยังเก็บไว้)"""
    from nitet_cli.activities import get_evidence
    from nitet_cli.editing import remove_evidence
    from nitet_cli.errors import InputError

    conn = open_db(ctx)
    item = get_evidence(conn, state(ctx).db_path, evidence_id)
    if not yes:
        if not common.is_interactive():
            raise InputError(f"ไม่ได้ลบหลักฐานที่ {evidence_id} — ใส่ --yes เพื่อยืนยันการลบเมื่อรันจากสคริปต์")
        if not typer.confirm(
            common.terminal_safe(f"ลบ{_evidence_line(item)} ของรายการที่ {item['activity_id']}?"), default=False
        ):
            echo("ยกเลิก ไม่ได้ลบ", err=True)
            raise typer.Exit(1)
    removed = remove_evidence(conn, state(ctx).db_path, evidence_id)
    if json_output:
        print_json(removed)
        return
    echo(f"ลบหลักฐานที่ {evidence_id} ออกจากรายการที่ {removed['activity_id']} แล้ว")
