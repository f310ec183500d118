"""``nitet school add|import|list``."""

from pathlib import Path
from typing import Annotated

import typer

from nitet_cli.cli.common import JsonOption, NitetGroup, console, echo, open_db, print_json, text
from nitet_cli.cli.completion import complete_school, complete_school_code, complete_school_group

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

school_app = typer.Typer(
    cls=NitetGroup, help="โรงเรียนในความรับผิดชอบ: เพิ่ม นำเข้าจาก CSV แสดงรายชื่อ และประวัติการนิเทศ", no_args_is_help=True
)
app.add_typer(school_app, name="school")

_WORDS = {"added": "เพิ่ม", "updated": "แก้ไข", "unchanged": "ไม่มีการเปลี่ยนแปลง"}


@school_app.command("add")
def school_add(
    ctx: typer.Context,
    code: Annotated[
        str,
        typer.Option(
            "--code", help="รหัสโรงเรียนของ สพฐ. (เก็บเป็นข้อความ เลข 0 นำหน้าไม่หาย)", autocompletion=complete_school_code
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="ชื่อโรงเรียน")],
    group: Annotated[
        str, typer.Option("--group", help="กลุ่มโรงเรียน เช่น บ้านคู่ หรือ พื้นที่สูง", autocompletion=complete_school_group)
    ] = "",
    district: Annotated[str, typer.Option("--district", help="อำเภอ")] = "",
    update: Annotated[bool, typer.Option("--update", help="แก้ข้อมูลเมื่อมีรหัสนี้อยู่แล้ว")] = False,
    json_output: JsonOption = False,
) -> None:
    """เพิ่มโรงเรียน (หรือแก้ไขด้วย --update)"""
    from nitet_cli.school_import import unknown_groups
    from nitet_cli.schools import add_or_update_school, check_school
    from nitet_cli.thai import to_arabic_digits

    school = check_school(to_arabic_digits(code), name, group, district)
    conn = open_db(ctx)
    outcome = add_or_update_school(conn, school, update=update)
    warnings = unknown_groups(conn, [school])
    _warn(warnings)
    if json_output:
        print_json({"result": outcome, **school.as_dict(), "unknown_groups": [w.as_dict() for w in warnings]})
        return
    echo(f"{_WORDS[outcome]}โรงเรียน {school.name} ({school.code}) กลุ่ม {school.school_group or '-'}")


def _warn(warnings) -> None:
    """One line on stderr per school group that no target of the manual names (exit stays 0)."""
    for warning in warnings:
        echo(warning.message(), err=True)


@school_app.command("import")
def school_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="ไฟล์ CSV (UTF-8) คอลัมน์ code,name,group,district")],
    json_output: JsonOption = False,
) -> None:
    """นำเข้าโรงเรียนจาก CSV: ตรวจทุกแถวก่อน มีแถวผิดแม้แถวเดียวจะไม่นำเข้าเลย; รหัสที่มีแล้วจะถูกปรับข้อมูล"""
    from nitet_cli.school_import import import_schools, read_schools_csv

    rows = read_schools_csv(file)  # a bad file is refused before the database is even opened
    result = import_schools(open_db(ctx), file, rows)
    _warn(result.warnings)
    if json_output:
        print_json(result.as_dict())
        return
    echo(f"นำเข้า {file}: {result.rows} แถว — เพิ่ม {result.added}, แก้ไข {result.updated}, ไม่เปลี่ยน {result.unchanged}")


@school_app.command("list")
def school_list(
    ctx: typer.Context,
    group: Annotated[
        str, typer.Option("--group", help="เฉพาะกลุ่มโรงเรียนนี้", autocompletion=complete_school_group)
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """แสดงรายชื่อโรงเรียน"""
    from nitet_cli.errors import NotFoundError
    from nitet_cli.schools import list_schools, school_groups
    from nitet_cli.text import clean_text, nearest

    conn = open_db(ctx)
    if group is not None:
        group = clean_text(group, multiline=False)
        groups = school_groups(conn)
        if group not in groups:
            close = nearest(group, groups)
            hint = f"ใกล้เคียง: {', '.join(close)}" if close else f"กลุ่มที่มี: {', '.join(groups) or '(ยังไม่มีโรงเรียน)'}"
            raise NotFoundError(f"ไม่มีกลุ่มโรงเรียน '{group}' — {hint}")
    schools = list_schools(conn, group)
    if json_output:
        print_json([s.as_dict() for s in schools])
        return
    if not schools:
        echo("ยังไม่มีโรงเรียน — เพิ่มด้วย 'nitet school add' หรือ 'nitet school import schools.csv'")
        return
    from rich.table import Table

    table = Table(title=f"โรงเรียน {len(schools)} แห่ง", title_justify="left")
    table.add_column("รหัส", no_wrap=True)
    # Wrapped, and a run of Thai longer than the column folded, rather than cut with …
    table.add_column("ชื่อโรงเรียน", overflow="fold")
    table.add_column("กลุ่ม", overflow="fold")
    table.add_column("อำเภอ", overflow="fold")
    for s in schools:
        table.add_row(*(text(v or "") for v in (s.code, s.name, s.school_group, s.district)))
    console().print(table)


@school_app.command("show")
def school_show(
    ctx: typer.Context,
    school: Annotated[
        str, typer.Argument(metavar="SCHOOL", help="รหัส ชื่อ หรือส่วนของชื่อโรงเรียน", autocompletion=complete_school)
    ],
    json_output: JsonOption = False,
) -> None:
    """ประวัติของโรงเรียน: การนิเทศทุกครั้ง ข้อเสนอแนะที่ต้องติดตามพร้อมผล และจำนวนครั้งที่นิเทศต่อเป้าหมายรายภาคเรียน"""
    from nitet_cli.school_history import school_history
    from nitet_cli.schools import resolve_school

    conn = open_db(ctx)
    history = school_history(conn, resolve_school(conn, school).code)
    if json_output:
        print_json(history)
        return
    _print_history(history)


def _print_history(history: dict) -> None:
    """Every user text goes out through text(): a title '[red]' stays text, a control
    character shows as an escape."""
    from rich.table import Table

    from nitet_cli.activities import KINDS
    from nitet_cli.cli.follow_up_view import follow_up_table
    from nitet_cli.follow_ups import STATUS_LABELS
    from nitet_cli.thai import be_date, be_date_short

    out = console()

    def say(line: str = "", style: str | None = None) -> None:
        out.print(text(line, style))

    s = history["school"]
    say(f"{s['name']} ({s['code']}) กลุ่ม {s['group'] or '-'} อำเภอ {s['district'] or '-'}", "bold")

    entries = history["entries"]
    say()
    say(f"การนิเทศและกิจกรรม {len(entries)} ครั้ง (ใหม่สุดก่อน)", "bold")
    if not entries:
        say(f"ยังไม่มี — บันทึกด้วย 'nitet log-visit --school {s['code']} --title \"…\"'")
    for e in entries:
        kind = "" if e["kind"] == "visit" else f" [{KINDS.get(e['kind'], e['kind'])}]"
        say(f"• {be_date(e['date'])} — {e['title']}{kind} (รายการที่ {e['id']})")
        say(
            f"  ผู้นิเทศ: {e['supervisor'] or '-'}  มาตรฐาน: {', '.join(e['standards']) or '-'}  หลักฐาน: {e['evidence']} ชิ้น"
        )
        if e["findings"]:
            say(f"  ผลการนิเทศ: {e['findings']}")
        if e["suggestions"]:
            say(f"  ข้อเสนอแนะ: {e['suggestions']}")

    items, counts = history["follow_ups"], history["follow_up_counts"]
    say()
    figures = ", ".join(f"{STATUS_LABELS[k]} {counts[k]}" for k in STATUS_LABELS if counts[k])
    say(f"ข้อเสนอแนะที่ต้องติดตาม {counts['total']} รายการ" + (f" ({figures})" if figures else ""), "bold")
    if items:
        out.print(follow_up_table(items, with_school=False))

    say()
    say("การนิเทศตามเป้าหมายรายภาคเรียน", "bold")
    table = Table(title_justify="left")
    table.add_column("ภาคเรียน", no_wrap=True)
    table.add_column("นิเทศ/กิจกรรม", justify="right")
    table.add_column("ครั้งล่าสุด", no_wrap=True)
    table.add_column("มาตรฐาน", no_wrap=True)
    table.add_column("ครั้ง/เป้าหมาย", justify="right")
    table.add_column("ผล")
    for t in history["terms"]:
        label = f"{t['term']}/{t['year']}" + (" (ปัจจุบัน)" if t["current"] else "")
        first = [text(label), text(str(t["entries"])), text(be_date_short(t["last_date"]) or "-")]
        if not t["targets"]:
            table.add_row(*first, text("-"), text("-"), text("ไม่มีเป้าหมายการนิเทศที่ครอบคลุมโรงเรียนนี้"))
        for i, target in enumerate(t["targets"]):
            mark = text(("✓ " if target["met"] else "✗ ") + target["mark"], "green" if target["met"] else "red")
            lead = first if i == 0 else [text(""), text(""), text("")]
            table.add_row(*lead, text(target["standard"]), text(f"{target['visits']}/{target['target']}"), mark)
    out.print(table)
