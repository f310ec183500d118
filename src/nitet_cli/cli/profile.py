"""``nitet profile …``: the database owner's profile and identity."""

from __future__ import annotations

import typer

from nitet_cli.cli import app
from nitet_cli.cli.common import is_interactive, open_db, print_json

profile_app = typer.Typer(help="โปรไฟล์และตัวตนของเจ้าของฐานข้อมูล", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


@profile_app.command("new-identity")
def new_identity_command(
    ctx: typer.Context,
    yes: bool = typer.Option(False, "--yes", "-y", help="ทำโดยไม่ถาม (จำเป็นเมื่อรันจากสคริปต์)"),
    json_output: bool = typer.Option(False, "--json", help="แสดงผลเป็น JSON"),
) -> None:
    """ให้ฐานข้อมูลที่คัดลอกมาจากเพื่อนร่วมงานมีตัวตนของตนเอง (UUID ใหม่ของเจ้าของและกิจกรรมของเจ้าของ)"""
    from nitet_cli.errors import InputError
    from nitet_cli.profile import new_identity

    conn = open_db(ctx)
    if not yes:
        if not is_interactive():
            raise InputError("ไม่ได้เปลี่ยนตัวตน — ใส่ --yes เพื่อยืนยันเมื่อรันจากสคริปต์")
        question = (
            "ให้ฐานข้อมูลนี้เป็นตัวตนใหม่? ใช้เฉพาะกับฐานข้อมูลที่คัดลอกมาจากผู้อื่น"
            " — ถ้ารันกับฐานข้อมูลต้นฉบับ งานของคุณในฐานข้อมูลรวมของกลุ่มจะซ้ำเป็นสองชุด"
        )
        if not typer.confirm(question, default=False):
            typer.echo("ยกเลิก ไม่ได้เปลี่ยน", err=True)
            raise typer.Exit(1)
    result = new_identity(conn)
    if json_output:
        print_json(result.as_dict())
        return
    typer.echo(
        f"ฐานข้อมูลนี้มีตัวตนใหม่แล้ว: {result.old_uuid} → {result.new_uuid}"
        f" (กิจกรรม {result.activities} รายการ, หลักฐาน {result.evidence} ชิ้น, ข้อเสนอแนะที่ต้องติดตาม {result.follow_ups} รายการ ได้ UUID ใหม่)"
    )
    typer.echo(
        "ต่อไป: ใส่ชื่อของคุณด้วย 'nitet manual load คู่มือของคุณ.yaml' และลบกิจกรรมที่คัดลอกมาจากผู้อื่นด้วย 'nitet delete ID'"
    )
