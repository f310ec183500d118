"""``nitet export``, ``nitet import`` and ``nitet merge``."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from nitet_cli.cli import common
from nitet_cli.cli.choices import Choice
from nitet_cli.cli.common import JsonOption, echo, open_db, print_json, state
from nitet_cli.cli.completion import complete_school, complete_standard

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used


class ExportFormat(Choice):
    """What ``nitet export`` writes."""

    json = "json"
    csv = "csv"
    xlsx = "xlsx"


class ExportWhat(Choice):
    """What a CSV of ``nitet export`` holds."""

    activities = "activities"
    schools = "schools"


def _print_result(result, quiet: bool) -> None:
    if result.owner_taken:
        echo(f"เจ้าของฐานข้อมูลนี้คือ {result.owner_taken} (โปรไฟล์และงานของเจ้าของจากไฟล์)")
    if result.manual_copied:
        echo("คัดลอกคู่มือปฏิบัติงานจากฐานข้อมูลแรกมาไว้ในปลายทาง")
    for count in result.per_supervisor.values():
        echo(
            f"{count.name}: เพิ่ม {count.added}, ปรับปรุง {count.updated}, เหมือนเดิม {count.unchanged}"
            + (f", ลบ {count.deleted}" if count.deleted else "")
            + (f", คงของเดิม {count.kept_target}" if count.kept_target else "")
            + f" — รวม {count.total} กิจกรรม"
        )
    echo(
        f"กิจกรรม: เพิ่ม {result.activities_added}, ปรับปรุง {result.activities_updated}, ลบ {result.activities_deleted},"
        f" เหมือนเดิม {result.activities_unchanged};"
        f" หลักฐาน: เพิ่ม {result.evidence_added}, ลบ {result.evidence_deleted} (คัดลอกไฟล์ {result.files_copied});"
        + (
            f" ข้อเสนอแนะที่ต้องติดตาม: เพิ่ม {result.follow_ups_added}, ปรับปรุง {result.follow_ups_updated};"
            if result.follow_ups_added or result.follow_ups_updated
            else ""
        )
        + f" โรงเรียน: เพิ่ม {result.schools_added}, ปรับปรุง {result.schools_updated};"
        + (f" ภาคเรียนที่กำหนดวันที่: เพิ่ม {result.terms_added};" if result.terms_added else "")
        + f" ศึกษานิเทศก์: เพิ่ม {result.supervisors_added}, ปรับปรุง {result.supervisors_updated}"
    )
    if result.activities_stay_deleted:
        echo(f"ไม่นำกลับ {result.activities_stay_deleted} กิจกรรมที่ถูกลบไปแล้ว (ลบหลังการแก้ไขครั้งล่าสุดในไฟล์ต้นทาง)")
    for conflict in result.conflicts:
        echo(f"! {conflict.message()}")
    if not result.changed and not quiet:
        echo("ไม่มีอะไรเปลี่ยน (ข้อมูลทั้งหมดมีอยู่แล้ว)")


@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", "-f", case_sensitive=False, help="ค่าเริ่มต้น: ตามนามสกุลของ -o หรือ json"),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="ไฟล์ผลลัพธ์ (ไม่ระบุ หรือ -o -: พิมพ์ออกทาง stdout)")] = None,
    what: Annotated[
        ExportWhat, typer.Option("--what", help="สำหรับ CSV: activities (กิจกรรม) หรือ schools (โรงเรียน)")
    ] = ExportWhat.activities,
    with_evidence: Annotated[
        bool,
        typer.Option("--with-evidence", help="เขียนไฟล์ .zip ที่มี export.json และไฟล์หลักฐานทั้งหมด (สำหรับ 'nitet import')"),
    ] = False,
    school: Annotated[
        str, typer.Option("--school", help="เฉพาะกิจกรรมของโรงเรียนนี้ (รหัสหรือชื่อ)", autocompletion=complete_school)
    ] = None,
    standard: Annotated[
        str, typer.Option("--standard", help="เฉพาะกิจกรรมตามมาตรฐานนี้ เช่น 7.3", autocompletion=complete_standard)
    ] = None,
    year: Annotated[
        str, typer.Option("--year", help="เฉพาะปีการศึกษานี้ (พ.ศ.) เช่น 2569; กับ --term: เฉพาะภาคเรียนนั้น")
    ] = None,
    term: Annotated[int, typer.Option("--term", help="เฉพาะภาคเรียน 1 หรือ 2 (ไม่ใส่ --year: ปีการศึกษาปัจจุบัน)")] = None,
    since: Annotated[str, typer.Option("--from", help="เฉพาะกิจกรรมตั้งแต่วันที่นี้ เช่น 1/11/2569")] = None,
    until: Annotated[str, typer.Option("--to", help="เฉพาะกิจกรรมถึงวันที่นี้ เช่น 30/11/2569")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="แสดงสรุปผลเป็น JSON")] = False,
) -> None:
    """ส่งออกกิจกรรม (พร้อมโรงเรียน มาตรฐาน และหลักฐาน) และโรงเรียน เป็น JSON, CSV หรือสมุดงาน Excel (.xlsx)"""
    from nitet_cli.clock import today
    from nitet_cli.errors import InputError
    from nitet_cli.exchange import export, export_period

    if common.is_stdout(output):  # -o -: stdout, as without -o; a workbook or an archive is a file
        if with_evidence:
            raise InputError("--with-evidence เขียนไฟล์ .zip จึงเขียนออกทาง stdout (-o -) ไม่ได้ — ระบุไฟล์ เช่น -o ส่งออก.zip")
        if fmt is not None and fmt.value == "xlsx":
            raise InputError("สมุดงาน Excel (.xlsx) เขียนออกทาง stdout (-o -) ไม่ได้ — ระบุไฟล์ เช่น -o กิจกรรม.xlsx")
        if json_output:
            raise InputError("--json แสดงสรุปของไฟล์ที่เขียน จึงใช้กับ -o - ไม่ได้ (-o - พิมพ์ข้อมูลออกทาง stdout อยู่แล้ว)")
        output = None
    if output is None:  # the export itself goes to stdout
        common.require_stdout()
    suffix = output.suffix.lower() if output else ""
    if suffix == ".zip":
        with_evidence = True
    fmt = fmt.value if fmt is not None else {".csv": "csv", ".xlsx": "xlsx"}.get(suffix, "json")
    what = what.value
    if with_evidence and output is not None and suffix != ".zip":
        raise InputError(f"--with-evidence เขียนไฟล์ .zip — ใช้ชื่อที่ลงท้ายด้วย .zip เช่น -o {output.with_suffix('.zip')}")
    if what == "schools" and fmt != "csv":
        raise InputError("--what schools ใช้กับ --format csv (ไฟล์ JSON และสมุดงาน .xlsx มีทั้งกิจกรรมและโรงเรียนอยู่แล้ว)")
    if fmt == "xlsx" and output is None:
        raise InputError("สมุดงาน Excel ต้องระบุไฟล์ผลลัพธ์ด้วย -o เช่น -o กิจกรรม.xlsx")
    if json_output and output is None:
        raise InputError("--json แสดงสรุปผล จึงต้องระบุไฟล์ผลลัพธ์ด้วย -o เช่น -o ส่งออก.json")
    st = state(ctx)
    conn = open_db(ctx)
    start, end, period = export_period(conn, today(), year=year, term=term, since=since, until=until)
    with common.progress_reporter(ctx) as on_progress:
        summary = export(
            conn,
            st.db_path,
            output,
            fmt,
            what=what,
            with_evidence=with_evidence,
            school=school,
            standard=standard,
            since=start,
            until=end,
            on_progress=on_progress,
        )
    if output is None:
        data = summary.pop("data")
        if fmt == "json":  # nothing a terminal acts on (C1, bidi controls): the same JSON
            data = common.json_safe(data.decode("utf-8")).encode("utf-8")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if json_output:
        print_json({**summary, "from": start.isoformat() if start else None, "to": end.isoformat() if end else None})
        return
    which = f" ({period})" if period else ""
    line = f"เขียน {summary['output']}{which}: กิจกรรม {summary['activities']} รายการ, โรงเรียน {summary['schools']} แห่ง"
    if "evidence_files" in summary:
        line += f", ไฟล์หลักฐาน {summary['evidence_files']} ไฟล์"
    echo(line)


@app.command("import")
def import_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="ไฟล์ .json หรือ .zip จาก 'nitet export'")],
    as_owner: Annotated[
        bool,
        typer.Option(
            "--as-owner", help="ย้ายเครื่อง: ให้เจ้าของไฟล์ส่งออกเป็นเจ้าของฐานข้อมูลนี้ พร้อมโปรไฟล์ (เฉพาะฐานข้อมูลใหม่ที่ยังไม่มีกิจกรรม)"
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """นำเข้าไฟล์ส่งออกของ nitet (นำเข้าซ้ำได้: รายการที่มีอยู่แล้วจะไม่ถูกเพิ่มซ้ำ)

    ย้ายเครื่อง: นำเข้าไฟล์ส่งออกของคุณเองเข้าฐานข้อมูลใหม่ด้วย --as-owner (ในเทอร์มินัลจะถาม)"""
    from nitet_cli.db import check_target
    from nitet_cli.exchange import import_export
    from nitet_cli.exchange.files import check_target_place

    def ask_owner(name: str) -> bool:
        return typer.confirm(
            f"ไฟล์นี้เป็นงานของ {name} และฐานข้อมูลนี้ยังใหม่ — ย้ายเครื่อง: ให้ {name} เป็นเจ้าของฐานข้อมูลนี้"
            " (โปรไฟล์และงานเป็นของคุณ)? ตอบ n ถ้าเป็นงานของเพื่อนร่วมงาน",
            default=None,
        )

    st = state(ctx)
    check_target_place(st.db_path, [st.db_path])  # not inside an evidence store (its own, through a link, or another's)
    check_target(st.db_path)
    ask = ask_owner if not as_owner and not json_output and common.is_interactive() else None
    with common.progress_reporter(ctx) as on_progress:
        result = import_export(open_db(ctx), st.db_path, file, on_progress, as_owner=as_owner, ask_owner=ask)
    if json_output:
        print_json(result.as_dict())
        return
    echo(f"นำเข้า {file} เข้า {st.db_path}")
    _print_result(result, st.quiet)


@app.command("merge")
def merge_command(
    ctx: typer.Context,
    databases: Annotated[list[Path], typer.Argument(help="ฐานข้อมูล .db ของศึกษานิเทศก์แต่ละคน")],
    into: Annotated[Path, typer.Option("--into", help="ฐานข้อมูลรวมของกลุ่ม (ค่าเริ่มต้น: ฐานข้อมูลของ --db)")] = None,
    json_output: JsonOption = False,
) -> None:
    """รวมฐานข้อมูลของศึกษานิเทศก์หลายคน เป็นฐานข้อมูลเดียว (รวมซ้ำได้: ไม่เพิ่มรายการซ้ำ)"""
    from nitet_cli.merge import merge

    st = state(ctx)
    target = into.expanduser() if into else st.db_path
    with common.progress_reporter(ctx) as on_progress:
        result = merge(target, databases, on_progress, announce=common.announcer(), db=st.db_path)
    if json_output:
        print_json({"into": str(target), **result.as_dict()})
        return
    echo(f"รวม {len(result.sources)} ฐานข้อมูลเข้า {target}")
    _print_result(result, st.quiet)
