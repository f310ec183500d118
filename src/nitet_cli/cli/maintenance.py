"""``nitet doctor`` and ``nitet backup DEST``."""

from pathlib import Path
from typing import Annotated

import typer

from nitet_cli.cli.common import JsonOption, echo, is_stdout, print_json, state

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used


def _open(ctx: typer.Context):
    """The database as it is (no schema upgrade: doctor looks, backup copies)."""
    from nitet_cli.maintenance import open_existing

    st = state(ctx)
    conn = open_existing(st.db_path)
    ctx.call_on_close(conn.close)
    return conn


def _mark(severity: str) -> str:
    return "✗" if severity == "error" else "!"


@app.command()
def doctor(
    ctx: typer.Context,
    json_output: JsonOption = False,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix",
            help="ลบไฟล์ในที่เก็บหลักฐานที่ไม่มีรายการใดอ้างถึง และไฟล์ชั่วคราวที่ค้างจากคำสั่งที่ถูกขัดจังหวะ;"
            " ลงเวลาที่ยังมาไม่ถึง (นาฬิกาผิด) เป็นเวลาปัจจุบัน",
        ),
    ] = False,
) -> None:
    """ตรวจความสมบูรณ์ของฐานข้อมูลและไฟล์หลักฐาน (ออกด้วยรหัส 1 เมื่อพบปัญหา)"""
    from nitet_cli.errors import EXIT_GAP
    from nitet_cli.maintenance import doctor as run_doctor

    st = state(ctx)
    report = run_doctor(_open(ctx), st.db_path, fix=fix)
    if json_output:
        print_json(report.as_dict())
    else:
        echo(f"ตรวจ {report.db}")
        echo(
            f"โครงสร้างฐานข้อมูลรุ่น {report.schema_version}/{report.current_version}, กิจกรรม {report.activities} รายการ,"
            f" ไฟล์หลักฐาน {report.evidence_checked}/{report.evidence_files} ไฟล์ตรงกับ SHA-256"
        )
        for problem in report.problems:
            echo(f"{_mark(problem.severity)} {problem.message}")
        if report.removed:
            echo(f"ลบไฟล์ที่ค้างในที่เก็บหลักฐาน {len(report.removed)} ไฟล์ (ไม่มีรายการใดอ้างถึง)")
        if report.restamped:
            rows = len({(r["table"], r["key"]) for r in report.restamped})
            echo(f"ลงเวลาที่ยังมาไม่ถึงเป็นเวลาปัจจุบัน {rows} แถว (ข้อมูลอื่นไม่เปลี่ยน)")
        if report.ok and not report.warnings:
            echo("ไม่พบปัญหา ✓")
        elif report.ok:
            echo(f"ไม่พบข้อผิดพลาด มีคำเตือน {len(report.warnings)} รายการ")
        else:
            echo(f"พบปัญหา {len(report.errors)} รายการ คำเตือน {len(report.warnings)} รายการ")
    if not report.ok:
        raise typer.Exit(EXIT_GAP)


@app.command()
def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="โฟลเดอร์ปลายทาง (สำเนาลงวันที่ nitet-ปปปป-ดด-ววTชชนน.db) หรือชื่อไฟล์ .db")],
    keep: Annotated[
        int, typer.Option("--keep", help="เก็บสำเนาลงวันที่ไว้ N ชุดล่าสุด ลบชุดที่เก่ากว่า (ไม่ลบชุดที่เพิ่งเขียน)", show_default=False)
    ] = None,
    list_only: Annotated[bool, typer.Option("--list", help="แสดงสำเนาลงวันที่ในโฟลเดอร์ DEST (ไม่สำรอง)")] = False,
    json_output: JsonOption = False,
) -> None:
    """สำรองฐานข้อมูลและไฟล์หลักฐาน (ทำได้ขณะมีคำสั่งอื่นกำลังบันทึก)

    ลงโฟลเดอร์: เขียนสำเนาลงวันที่ DEST/nitet-ปปปป-ดด-ววTชชนน.db ทุกสำเนาใช้ที่เก็บหลักฐานร่วมกัน;
    --keep 14 เก็บไว้ 14 ชุดล่าสุด; --list แสดงสำเนาที่มี"""
    from nitet_cli.errors import EXIT_GAP

    if list_only:
        _list_backups(dest, json_output, keep)
        return
    if is_stdout(dest):
        from nitet_cli.errors import InputError

        raise InputError(
            "สำเนาฐานข้อมูลเขียนออกทาง stdout (-) ไม่ได้ — ระบุโฟลเดอร์หรือไฟล์ .db เช่น nitet backup ~/nitet-backup/"
        )
    from nitet_cli.maintenance import backup as run_backup

    st = state(ctx)
    result = run_backup(_open(ctx), st.db_path, dest, keep=keep)
    if json_output:
        print_json(result.as_dict())
    else:
        echo(f"สำรองฐานข้อมูลไปที่ {result.db} (กิจกรรม {result.activities} รายการ)")
        if result.evidence_files:
            echo(
                f"ไฟล์หลักฐาน {result.evidence_files} ไฟล์ใน {result.evidence_dir}:"
                f" คัดลอกใหม่ {result.copied}, มีอยู่แล้ว {result.already_there}"
            )
        if result.removed:
            echo(
                f"ลบสำเนาเก่า {len(result.removed)} ชุด ({', '.join(result.removed)}) เหลือ {len(result.kept)} ชุด"
                + (f", ลบไฟล์หลักฐานที่ไม่มีสำเนาใดใช้ {result.files_removed} ไฟล์" if result.files_removed else "")
            )
        for problem in result.problems:
            echo(f"{_mark(problem.severity)} {problem.message}")
        if keep is not None and not result.ok:
            echo("ไม่ได้ลบสำเนาเก่า เพราะสำเนานี้มีปัญหาข้างต้น")
        if not st.quiet:
            echo(f"ตรวจสำเนาได้ด้วย: nitet --db {result.db} doctor")
    if not result.ok:
        raise typer.Exit(EXIT_GAP)


def _list_backups(folder: Path, json_output: bool, keep: int | None) -> None:
    from nitet_cli.errors import InputError
    from nitet_cli.maintenance import list_backups
    from nitet_cli.thai import be_date_short

    if keep is not None:
        raise InputError("--list แสดงสำเนาเท่านั้น ใช้ร่วมกับ --keep ไม่ได้ — สำรองด้วย 'nitet backup --keep N โฟลเดอร์'")
    copies = list_backups(folder)
    if json_output:
        print_json([c.as_dict() for c in copies])
        return
    if not copies:
        echo(f"ไม่มีสำเนาลงวันที่ใน {folder} — สร้างด้วย 'nitet backup {folder}'")
        return
    from datetime import datetime

    for c in copies:
        taken = datetime.fromisoformat(c.taken)
        size = f"{c.size / (1024 * 1024):.1f} MB"
        what = (
            f"กิจกรรม {c.activities} รายการ" if c.activities is not None else "อ่านไม่ได้ — ตรวจด้วย 'nitet --db … doctor'"
        )
        owner = f", {c.owner}" if c.owner else ""
        echo(f"{c.name}  {be_date_short(taken.date())} {taken:%H:%M} น.  {size}  {what}{owner}")
    echo(f"รวม {len(copies)} ชุด; ตรวจชุดใดก็ได้ด้วย: nitet --db {copies[-1].path} doctor")
