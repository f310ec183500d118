"""``nitet profile …``: the database owner's profile and identity."""

from typing import Annotated

import typer

from nitet_cli.cli.common import JsonOption, NitetGroup, echo, is_interactive, open_db, print_json

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

profile_app = typer.Typer(cls=NitetGroup, help="โปรไฟล์และตัวตนของเจ้าของฐานข้อมูล", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


@profile_app.command("new-identity")
def new_identity_command(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="ทำโดยไม่ถาม (จำเป็นเมื่อรันจากสคริปต์)")] = False,
    json_output: JsonOption = False,
) -> None:
    """ให้ฐานข้อมูลที่คัดลอกมาจากเพื่อนร่วมงาน มีตัวตนของตนเอง (UUID ใหม่ของเจ้าของและกิจกรรมของเจ้าของ)"""
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
            echo("ยกเลิก ไม่ได้เปลี่ยน", err=True)
            raise typer.Exit(1)
    result = new_identity(conn)
    if json_output:
        print_json(result.as_dict())
        return
    echo(
        f"ฐานข้อมูลนี้มีตัวตนใหม่แล้ว: {result.old_uuid} → {result.new_uuid}"
        f" (กิจกรรม {result.activities} รายการ, หลักฐาน {result.evidence} ชิ้น, ข้อเสนอแนะที่ต้องติดตาม {result.follow_ups} รายการ ได้ UUID ใหม่)"
    )
    echo("ต่อไป: ใส่ชื่อของคุณด้วย 'nitet profile set --name …' และลบกิจกรรมที่คัดลอกมาจากผู้อื่นด้วย 'nitet delete ID'")


def print_profile(profile: dict) -> None:
    from nitet_cli.profile import FIELDS, option_name

    for field, label in FIELDS.items():  # "label: value" (Thai vowels above and below defeat column padding)
        value = profile.get(field) or f"(ยังไม่ได้ใส่ — {option_name(field)})"
        echo(f"{label}: {value}")


@profile_app.command("show")
def show_command(
    ctx: typer.Context,
    json_output: JsonOption = False,
) -> None:
    """แสดงโปรไฟล์ของเจ้าของฐานข้อมูล (ชื่อ ตำแหน่ง สังกัด ผู้บังคับบัญชา) ที่ใช้ในคู่มือและรายงาน"""
    from nitet_cli.profile import SAMPLE_NOTICE, get_owner_profile

    profile = get_owner_profile(open_db(ctx))
    if json_output:
        print_json(profile)
        return
    print_profile(profile)
    echo(f"UUID: {profile['uuid']}")
    if profile["sample"]:
        echo(SAMPLE_NOTICE.format(name=profile["name"]), err=True)


@profile_app.command("set")
def set_command(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help='ชื่อ-นามสกุล เช่น "นางสาวสมใจ ใฝ่ดี"', show_default=False)] = None,
    position: Annotated[str | None, typer.Option(help="ตำแหน่ง เช่น ศึกษานิเทศก์", show_default=False)] = None,
    academic_standing: Annotated[str | None, typer.Option(help="วิทยฐานะ เช่น ชำนาญการพิเศษ", show_default=False)] = None,
    work_unit: Annotated[str | None, typer.Option(help="กลุ่มงาน/งานที่รับผิดชอบ", show_default=False)] = None,
    work_group: Annotated[
        str | None, typer.Option(help="กลุ่ม เช่น กลุ่มนิเทศ ติดตาม และประเมินผลการจัดการศึกษา", show_default=False)
    ] = None,
    office: Annotated[
        str | None, typer.Option(help="สังกัด เช่น สำนักงานเขตพื้นที่การศึกษาประถมศึกษาเชียงราย เขต ๑", show_default=False)
    ] = None,
    agency: Annotated[
        str | None, typer.Option(help="หน่วยงาน เช่น สำนักงานคณะกรรมการการศึกษาขั้นพื้นฐาน", show_default=False)
    ] = None,
    ministry: Annotated[str | None, typer.Option(help="กระทรวง เช่น กระทรวงศึกษาธิการ", show_default=False)] = None,
    endorser_name: Annotated[
        str | None, typer.Option(help="ผู้บังคับบัญชาที่ให้ความเห็นท้ายรายงาน (ชื่อ-นามสกุล)", show_default=False)
    ] = None,
    endorser_position: Annotated[
        str | None,
        typer.Option(help="ตำแหน่งผู้บังคับบัญชา เช่น ผู้อำนวยการกลุ่มนิเทศ ติดตาม และประเมินผลการจัดการศึกษา", show_default=False),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """เปลี่ยนโปรไฟล์ของเจ้าของฐานข้อมูล: เปลี่ยนเฉพาะค่าที่ระบุ (ค่าว่าง "" ล้างค่านั้น ยกเว้นชื่อ) มีผลกับเอกสารทันที"""
    from nitet_cli.profile import FIELDS, set_profile

    values = dict(
        name=name,
        position=position,
        academic_standing=academic_standing,
        work_unit=work_unit,
        work_group=work_group,
        office=office,
        agency=agency,
        ministry=ministry,
        endorser_name=endorser_name,
        endorser_position=endorser_position,
    )
    result = set_profile(open_db(ctx), values)
    if json_output:
        print_json(result.as_dict())
        return
    if result.changed:
        echo("เปลี่ยน " + ", ".join(FIELDS[f] for f in result.changed) + " แล้ว:")
    else:
        echo("ไม่มีการเปลี่ยนแปลง (ค่าที่ระบุตรงกับโปรไฟล์อยู่แล้ว):")
    print_profile(result.profile)
