"""``nitet follow-up list|close``: the suggestions given at visits that are to be checked
(ข้อเสนอแนะที่ต้องติดตาม), and their results."""

from __future__ import annotations

import typer

from nitet_cli.cli.common import NitetGroup, console, echo, open_db, print_json
from nitet_cli.cli.follow_up_view import follow_up_table
from nitet_cli.completion import complete_school

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

follow_up_app = typer.Typer(
    cls=NitetGroup, help="ข้อเสนอแนะที่ต้องติดตาม (นิเทศ ติดตาม): แสดงรายการ และปิดพร้อมผลการติดตาม", no_args_is_help=True
)
app.add_typer(follow_up_app, name="follow-up")


_EMPTY = {
    "open": "ไม่มีข้อเสนอแนะที่ยังต้องติดตาม",
    "overdue": "ไม่มีข้อเสนอแนะที่เลยกำหนดติดตาม",
    "all": "ยังไม่มีข้อเสนอแนะที่ต้องติดตาม — บันทึกด้วย 'nitet log-visit … --follow-up \"…\"'",
}


@follow_up_app.command("list")
def follow_up_list(
    ctx: typer.Context,
    school: str | None = typer.Option(
        None, "--school", "-s", help="เฉพาะโรงเรียนนี้ (รหัสหรือชื่อ)", autocompletion=complete_school
    ),
    open_only: bool = typer.Option(False, "--open", help="ที่ยังไม่ได้ปิด (ค่าเริ่มต้น)"),
    overdue: bool = typer.Option(False, "--overdue", help="ที่ยังไม่ได้ปิดและเลยกำหนดติดตามแล้ว"),
    all_items: bool = typer.Option(False, "--all", help="ทั้งหมด รวมที่ปิดแล้ว"),
    json_output: bool = typer.Option(False, "--json", help="แสดงผลเป็น JSON"),
) -> None:
    """ข้อเสนอแนะที่ต้องติดตาม เร่งด่วนก่อน (วันที่เป็น พ.ศ.)"""
    from nitet_cli.errors import InputError
    from nitet_cli.follow_ups import list_follow_ups
    from nitet_cli.schools import resolve_school

    if open_only + overdue + all_items > 1:
        raise InputError("เลือกได้อย่างเดียว: --open, --overdue หรือ --all")
    which = "overdue" if overdue else "all" if all_items else "open"
    conn = open_db(ctx)
    code = resolve_school(conn, school).code if school is not None else None
    items = list_follow_ups(conn, which=which, school=code)
    if json_output:
        print_json(items)
        return
    if not items:
        echo(_EMPTY[which])
        return
    console().print(follow_up_table(items))
    late = sum(item["overdue"] for item in items)
    echo(f"{len(items)} รายการ" + (f" เลยกำหนด {late} รายการ" if late else ""))


@follow_up_app.command("close")
def follow_up_close(
    ctx: typer.Context,
    follow_up_id: int = typer.Argument(..., metavar="ID", help="หมายเลขข้อเสนอแนะ (จาก 'nitet follow-up list')"),
    result: str = typer.Option(..., "--result", "-r", help="ผลการติดตาม"),
    status: str = typer.Option(
        "done", "--status", help="done (ดำเนินการแล้ว), partly (บางส่วน), not-done (ยังไม่ได้ดำเนินการ)"
    ),
    when: str | None = typer.Option(None, "--date", "-d", help="วันที่ติดตาม (ค่าเริ่มต้น: วันนี้)"),
    json_output: bool = typer.Option(False, "--json", help="แสดงผลเป็น JSON"),
) -> None:
    """ปิดข้อเสนอแนะที่ติดตามแล้ว พร้อมผลการติดตาม"""
    from nitet_cli.dates import parse_date
    from nitet_cli.follow_ups import close_follow_up, parse_status
    from nitet_cli.thai import be_date

    chosen = parse_status(status)
    day = parse_date(when) if when is not None else None
    item = close_follow_up(open_db(ctx), follow_up_id, result=result, status=chosen, on=day)
    if json_output:
        print_json(item)
        return
    echo(
        f"ปิดข้อเสนอแนะที่ {item['id']} ({item['school_name']}) {be_date(item['closed_on'])}: {item['status_label']}"
        f" — {item['result']}"
    )
