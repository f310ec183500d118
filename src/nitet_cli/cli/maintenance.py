"""``nitet doctor`` and ``nitet backup DEST``."""

from __future__ import annotations

from pathlib import Path

import typer

from nitet_cli.cli import app
from nitet_cli.cli.common import print_json, state


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
    json_output: bool = typer.Option(False, "--json", help="แสดงผลเป็น JSON"),
    fix: bool = typer.Option(
        False, "--fix", help="ลบไฟล์ในที่เก็บหลักฐานที่ไม่มีรายการใดอ้างถึง และไฟล์ชั่วคราวที่ค้างจากคำสั่งที่ถูกขัดจังหวะ"
    ),
) -> None:
    """ตรวจความสมบูรณ์ของฐานข้อมูลและไฟล์หลักฐาน (ออกด้วยรหัส 1 เมื่อพบปัญหา)"""
    from nitet_cli.errors import EXIT_GAP
    from nitet_cli.maintenance import doctor as run_doctor

    st = state(ctx)
    report = run_doctor(_open(ctx), st.db_path, fix=fix)
    if json_output:
        print_json(report.as_dict())
    else:
        typer.echo(f"ตรวจ {report.db}")
        typer.echo(
            f"โครงสร้างฐานข้อมูลรุ่น {report.schema_version}/{report.current_version}, กิจกรรม {report.activities} รายการ,"
            f" ไฟล์หลักฐาน {report.evidence_checked}/{report.evidence_files} ไฟล์ตรงกับ SHA-256"
        )
        for problem in report.problems:
            typer.echo(f"{_mark(problem.severity)} {problem.message}")
        if report.removed:
            typer.echo(f"ลบไฟล์ที่ค้างในที่เก็บหลักฐาน {len(report.removed)} ไฟล์ (ไม่มีรายการใดอ้างถึง)")
        if report.ok and not report.warnings:
            typer.echo("ไม่พบปัญหา ✓")
        elif report.ok:
            typer.echo(f"ไม่พบข้อผิดพลาด มีคำเตือน {len(report.warnings)} รายการ")
        else:
            typer.echo(f"พบปัญหา {len(report.errors)} รายการ คำเตือน {len(report.warnings)} รายการ")
    if not report.ok:
        raise typer.Exit(EXIT_GAP)


@app.command()
def backup(
    ctx: typer.Context,
    dest: Path = typer.Argument(..., help="โฟลเดอร์ปลายทาง หรือชื่อไฟล์ .db"),
    json_output: bool = typer.Option(False, "--json", help="แสดงผลเป็น JSON"),
) -> None:
    """สำรองฐานข้อมูลและไฟล์หลักฐาน (ทำได้ขณะมีคำสั่งอื่นกำลังบันทึก)"""
    from nitet_cli.errors import EXIT_GAP
    from nitet_cli.maintenance import backup as run_backup

    st = state(ctx)
    result = run_backup(_open(ctx), st.db_path, dest)
    if json_output:
        print_json(result.as_dict())
    else:
        typer.echo(f"สำรองฐานข้อมูลไปที่ {result.db} (กิจกรรม {result.activities} รายการ)")
        if result.evidence_files:
            typer.echo(
                f"ไฟล์หลักฐาน {result.evidence_files} ไฟล์ใน {result.evidence_dir}:"
                f" คัดลอกใหม่ {result.copied}, มีอยู่แล้ว {result.already_there}"
            )
        for problem in result.problems:
            typer.echo(f"{_mark(problem.severity)} {problem.message}")
        if not st.quiet:
            typer.echo(f"ตรวจสำเนาได้ด้วย: nitet --db {result.db} doctor")
    if not result.ok:
        raise typer.Exit(EXIT_GAP)
