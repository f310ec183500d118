"""``nitet status``, ``nitet report`` and ``nitet template export|list``."""

from pathlib import Path
from typing import Annotated

import typer

from nitet_cli.cli import common
from nitet_cli.cli.choices import Choice
from nitet_cli.cli.common import (
    JsonOption,
    NitetGroup,
    PdfOption,
    TermOption,
    YearOption,
    console,
    echo,
    open_db,
    print_json,
    print_sample_notice,
    state,
    terminal_safe,
    text,
)
from nitet_cli.cli.completion import complete_template, complete_template_name

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used


class ReportFormat(Choice):
    """What ``nitet report`` writes."""

    docx = "docx"
    json = "json"


template_app = typer.Typer(cls=NitetGroup, help="แม่แบบเอกสาร Word: ส่งออกไปแก้ไข และดูรายการ", no_args_is_help=True)
app.add_typer(template_app, name="template")


def _term(conn, year: int | None, term: int | None):
    from nitet_cli.clock import today
    from nitet_cli.progress import resolve_term

    return resolve_term(conn, today(), year, term)


@app.command()
def status(
    ctx: typer.Context,
    year: YearOption = None,
    term: TermOption = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="แสดงผลเป็น JSON (แต่ละโรงเรียนอยู่ใต้คีย์ schools, แต่ละศึกษานิเทศก์ใต้คีย์ supervisors)")
    ] = False,
    fail_on_gap: Annotated[
        bool, typer.Option("--fail-on-gap", help="จบด้วยรหัส 1 เมื่อยังมีเป้าหมายที่ไม่ถึง (สำหรับ cron)")
    ] = False,
) -> None:
    """ความก้าวหน้าของภาคเรียน: กิจกรรม โรงเรียน หลักฐาน ต่อเรื่องและมาตรฐาน การนิเทศโรงเรียนเทียบเป้าหมาย
    และ (ฐานข้อมูลรวมของกลุ่ม) ผลงานของศึกษานิเทศก์แต่ละคน"""
    from nitet_cli.clock import today
    from nitet_cli.errors import EXIT_GAP
    from nitet_cli.group_progress import term_and_group_progress

    conn = open_db(ctx)
    chosen = _term(conn, year, term)
    from nitet_cli.school_import import schools_outside_group_targets

    progress, group = term_and_group_progress(conn, chosen, today())
    outside = schools_outside_group_targets(conn)
    if json_output:
        print_json({**progress.as_dict(), **group.as_dict(), "schools_outside_group_targets": outside["count"]})
    else:
        several = len(group.supervisors) > 1
        _print_status(progress, quiet=state(ctx).quiet, group=several)
        if several:
            _print_supervisors(group)
        if outside["count"]:
            echo(
                f"\nโรงเรียน {outside['count']} โรงไม่อยู่ในกลุ่มของเป้าหมายรายกลุ่มใด"
                f" (เป้าหมายใช้กลุ่ม: {', '.join(outside['target_groups'])}) — ดูกลุ่มด้วย 'nitet school list'"
            )
        print_sample_notice(conn)
    if fail_on_gap and progress.has_gap:
        raise typer.Exit(EXIT_GAP)


def term_heading(term, today) -> str:
    """``ภาคเรียนที่ 2/2569 (1 พฤศจิกายน 2569 – 15 พฤษภาคม 2570) — เหลืออีก 172 วัน``, or that
    it ended (with its last day) or has not begun (with its first): dates in BE."""
    from nitet_cli.thai import be_date

    if today > term.end:
        when = f"สิ้นสุดแล้วเมื่อ {be_date(term.end)}"
    elif today < term.start:
        when = f"ยังไม่เริ่ม (เปิดภาคเรียน {be_date(term.start)})"
    else:
        when = f"เหลืออีก {term.days_left(today)} วัน"
    source = "" if term.announced else ", วันที่ตามค่าเริ่มต้น"
    return f"ภาคเรียนที่ {term.term}/{term.year} ({be_date(term.start)} – {be_date(term.end)}{source}) — {when}"


#: Why a standard without a visit target is not done: activities but no evidence yet.
NO_EVIDENCE = "ไม่มีหลักฐาน"


def state_text(item, colours: dict[str, str]):
    """The state of a duty or standard, coloured; an unfinished standard without a visit
    target that has activities but no evidence says that this is what it lacks."""
    from nitet_cli.progress import IN_PROGRESS

    label = item.state_label
    if (
        item.state == IN_PROGRESS
        and getattr(item, "target", True) is None
        and item.activities > 0
        and item.evidence == 0
    ):
        label += f" ({NO_EVIDENCE})"
    return text(label, colours[item.state])


def _print_status(progress, *, quiet: bool, group: bool = False) -> None:
    from rich.table import Table

    from nitet_cli.progress import coverage_mark
    from nitet_cli.targets import counts_every_visit

    out = console()
    out.print(text(term_heading(progress.term, progress.today), "bold"), soft_wrap=True)
    echo(
        f"กิจกรรม {progress.activities} รายการ, โรงเรียน {progress.schools_reached} โรง, หลักฐาน {progress.evidence} รายการ"
        f" (ภาพ {progress.photos})"
    )
    table = Table(show_lines=False, title_justify="left")
    for name, justify in (
        ("มาตรฐาน", "left"),
        ("กิจกรรม", "right"),
        ("โรงเรียน", "right"),
        ("หลักฐาน", "right"),
        ("สถานะ", "left"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)
    colours = {"not_started": "red", "in_progress": "yellow", "done": "green"}
    for duty in progress.duties:
        table.add_row(
            text(f"เรื่องที่ {duty.number}", "bold"),
            text(duty.activities),
            text(duty.schools),
            text(duty.evidence),
            state_text(duty, colours),
        )
        for s in duty.standards:
            state = state_text(s, colours)
            if s.target:
                state.append(text(f"  (ถึงเป้า {s.schools_met}/{s.target_schools} โรง)"))
            table.add_row(
                text(f"  {s.id}{' (ยกเลิกแล้ว)' if s.retired else ''}"),
                text(s.activities),
                text(s.schools),
                text(s.evidence),
                state,
            )
    out.print(table)
    by_standard: dict[str, list] = {}
    for row in progress.schools:
        by_standard.setdefault(row.standard, []).append(row)
    for standard in progress.standards:
        rows = by_standard.get(standard.id)
        if standard.target is None:
            continue
        groups = ", ".join(standard.target.get("school_groups") or []) or "ทุกโรงเรียน"
        minimum = standard.target["min_per_term"]
        line = text(f"\nมาตรฐาน {standard.id}", "bold")
        line.append(
            text(
                f": {groups} อย่างน้อย {minimum} ครั้ง/ภาคเรียน"
                f" — ถึงเป้า {standard.schools_met} จาก {standard.target_schools} โรง"
                + (" (นับการนิเทศของทุกคนในกลุ่มรวมกัน)" if group else "")
            )
        )
        out.print(line, soft_wrap=True)
        if counts_every_visit(standard.target):
            echo("  นับทุกครั้งที่นิเทศโรงเรียน ไม่ว่าบันทึกในมาตรฐานใด")
        if not rows:
            echo("  (ไม่มีโรงเรียนในกลุ่มนี้ — เพิ่มด้วย 'nitet school add' หรือ 'nitet school import')")
            continue
        # Plain lines, not a rich table: a national database lists tens of thousands of schools.
        lines = []
        for r in rows:
            mark = "✓" if r.met else f"✗ {coverage_mark(r)}"
            lines.append(f"  {r.code:<10} {r.name} [{r.group or '-'}]  {r.visits}/{r.target}  {mark}")
        out.file.write(terminal_safe("\n".join(lines)) + "\n")
        out.file.flush()


def _print_supervisors(group) -> None:
    """A row per supervisor of a group (merged) database, then the group's row."""
    from rich.table import Table

    out = console()
    table = Table(title="ผลการปฏิบัติงานรายบุคคล", title_justify="left")
    table.add_column("ศึกษานิเทศก์")
    for name in ("กิจกรรม", "โรงเรียน", "หลักฐาน"):
        table.add_column(name, justify="right", no_wrap=True)
    for target in group.targets:
        table.add_column(f"นิเทศ {target.standard}\nครั้ง/โรง", justify="right", no_wrap=True)
    for person in [*group.supervisors, group.group]:
        is_group = person is group.group
        style = "bold" if is_group else None
        name = person.name + (" (เจ้าของฐานข้อมูล)" if person.is_self else "")
        cells = [str(person.activities), str(person.schools), str(person.evidence)]
        cells += [f"{t.visits}/{t.schools_visited}" for t in person.targets]
        if is_group:
            table.add_section()
        table.add_row(text(name, style), *(text(c, style) for c in cells))
    out.print()
    out.print(table)
    for target, together in zip(group.targets, group.group.targets):
        echo(
            f"มาตรฐาน {target.standard} ({target.scope} อย่างน้อย {target.min_per_term} ครั้ง/ภาคเรียน):"
            f" ทั้งกลุ่มนิเทศ {together.schools_visited} โรง ถึงเป้า {together.schools_met} จาก {target.target_schools} โรง"
        )


def _default_output(period, fmt: str) -> Path:
    """report-2569-2 (a term), report-2569-11 (a month, two digits), report-2569-11-01_2569-12-15
    (any dates): Buddhist Era years, as people name their files."""
    from nitet_cli.thai import BE_OFFSET

    if period.term is not None:
        return Path(f"report-{period.year}-{period.term}.{fmt}")

    def be(day) -> str:
        return f"{day.year + BE_OFFSET}-{day.month:02d}-{day.day:02d}"

    if period.kind == "month":
        return Path(f"report-{period.start.year + BE_OFFSET}-{period.start.month:02d}.{fmt}")
    return Path(f"report-{be(period.start)}_{be(period.end)}.{fmt}")


def _period_label(period) -> str:
    """The report's days on the terminal: ภาคเรียนที่ 2/2569, เดือน 11/2569, 2026-11-01 – 2026-12-15."""
    from nitet_cli.thai import BE_OFFSET

    if period.term is not None:
        return f"ภาคเรียนที่ {period.term}/{period.year}"
    if period.kind == "month":
        return f"เดือน {period.start.month}/{period.start.year + BE_OFFSET}"
    return f"{period.start.isoformat()} – {period.end.isoformat()}"


def _period(year, term, date_from, date_to, month):
    """A month (--month) or dates (--from/--to), read before the database is opened; None for a
    term (--term/--year, default the current one)."""
    from nitet_cli.clock import today
    from nitet_cli.errors import InputError

    if month is None and date_from is None and date_to is None:
        return None
    if year is not None or term is not None:
        raise InputError("เลือกอย่างใดอย่างหนึ่ง: --term/--year (ภาคเรียน) หรือ --month (เดือน) หรือ --from/--to (ช่วงวันที่)")
    from nitet_cli.terms import date_period, month_period

    if month is not None:
        if date_from is not None or date_to is not None:
            raise InputError("เลือกอย่างใดอย่างหนึ่ง: --month (ทั้งเดือน) หรือ --from/--to (ช่วงวันที่) ไม่ใช่ทั้งสองอย่าง")
        return month_period(month, today())
    if date_from is None:
        raise InputError("ระบุวันแรกด้วย --from (เช่น --from 1/11/2569 --to 15/12/2569) หรือใช้ --month 11/2569")
    return date_period(date_from, date_to, today())


@app.command()
def report(
    ctx: typer.Context,
    term: TermOption = None,
    year: YearOption = None,
    month: Annotated[str, typer.Option("--month", help="รายงานทั้งเดือน เช่น 11/2569, 2026-11 หรือ พ.ย. 2569")] = None,
    date_from: Annotated[
        str, typer.Option("--from", help="รายงานช่วงวันที่: วันแรก เช่น 1/11/2569 (รูปแบบเดียวกับ --date ของ log)")
    ] = None,
    date_to: Annotated[str, typer.Option("--to", help="วันสุดท้ายของช่วง (ค่าเริ่มต้น: วันนี้)")] = None,
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="ไฟล์ที่จะเขียน (ค่าเริ่มต้น: report-<ปี>-<ภาคเรียน>, report-<ปี>-<เดือน> หรือ report-<วันแรก>_<วันสุดท้าย> .docx;"
            " -o - กับ --format json: พิมพ์ออกทาง stdout)",
        ),
    ] = None,
    template: Annotated[
        str,
        typer.Option("--template", help="แม่แบบ: ชื่อในตัว (report) หรือไฟล์ .docx ของคุณ", autocompletion=complete_template),
    ] = "report",
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", case_sensitive=False, help="docx (เอกสาร Word) หรือ json (ตัวเลขและรายการเดียวกัน)"),
    ] = ReportFormat.docx,
    pdf: PdfOption = False,
    json_output: Annotated[bool, typer.Option("--json", help="แสดงสรุปผลการเขียนเป็น JSON")] = False,
) -> None:
    """รายงานผลการปฏิบัติงานประจำภาคเรียน เดือน หรือช่วงวันที่ เป็นเอกสาร Word (.docx) หรือ JSON"""
    from nitet_cli.clock import today
    from nitet_cli.errors import InputError

    fmt = fmt.value
    if pdf and fmt != "docx":
        raise InputError("--pdf แปลงเอกสาร Word จึงใช้กับ --format docx เท่านั้น (ไม่ใช่ json)")
    if common.is_stdout(output):
        if fmt != "json":
            raise InputError(
                "-o - (เขียนออกทาง stdout) ใช้กับ --format json เท่านั้น — เอกสาร Word เป็นไฟล์: ระบุชื่อไฟล์ เช่น -o รายงาน.docx"
            )
        if json_output:
            raise InputError("--json แสดงสรุปของไฟล์ที่เขียน จึงใช้กับ -o - ไม่ได้ (-o - พิมพ์รายงาน JSON ออกทาง stdout อยู่แล้ว)")
    period = _period(year, term, date_from, date_to, month)
    conn = open_db(ctx)
    chosen = period or _term(conn, year, term)
    if common.is_stdout(output):  # the report's JSON itself, as the file would hold it
        from nitet_cli.report import report_data

        print_json(report_data(conn, chosen, today()))
        return
    out = output or _default_output(chosen, fmt)
    if fmt == "json":
        from nitet_cli.documents import export_report_json

        result = export_report_json(conn, state(ctx).db_path, chosen, today(), out)
    else:
        from nitet_cli.documents import export_report
        from nitet_cli.pdf import convert_to_pdf, pdf_path

        db_path = state(ctx).db_path
        with common.progress_reporter(ctx) as on_progress:
            result = export_report(
                conn,
                db_path,
                chosen,
                today(),
                out,
                template=template,
                on_progress=on_progress,
                pdf=pdf_path(out) if pdf else None,
            )
        if pdf:
            result["pdf"] = str(convert_to_pdf(Path(result["output"]), db=db_path))
    if json_output:
        print_json(result)
        return
    echo(
        f"เขียน {result['output']}"
        + (f" และ {result['pdf']}" if result.get("pdf") else "")
        + f" — {_period_label(chosen)}: กิจกรรม {result['activities']} รายการ,"
        f" ภาพ {result['photos_embedded']} ภาพ"
        + (f", ไฟล์ที่แสดงเป็นภาพไม่ได้ {result['files_listed']} ไฟล์" if result.get("files_listed") else "")
    )
    print_sample_notice(conn)


@template_app.command("list")
def template_list(json_output: JsonOption = False) -> None:
    """รายการแม่แบบในตัว"""
    from nitet_cli.render import builtin_templates

    items = builtin_templates()
    if json_output:
        print_json(items)
        return
    for item in items:
        echo(f"{item['name']:<8} {item['description']}  ({item['path']})")


@template_app.command("export")
def template_export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="ชื่อแม่แบบ: manual หรือ report", autocompletion=complete_template_name)],
    directory: Annotated[Path, typer.Argument(help="โฟลเดอร์ที่จะคัดลอกไปไว้ (หรือชื่อไฟล์ .docx)")],
    force: Annotated[bool, typer.Option("--force", help="เขียนทับไฟล์ที่มีอยู่แล้ว")] = False,
    json_output: JsonOption = False,
) -> None:
    """คัดลอกแม่แบบในตัวออกมาแก้ใน Word (หัวจดหมาย ถ้อยคำ ลายมือชื่อ) แล้วใช้ด้วย --template"""
    from nitet_cli.render import export_template

    if common.is_stdout(directory):
        from nitet_cli.errors import InputError

        raise InputError(f"แม่แบบเป็นไฟล์ Word จึงเขียนออกทาง stdout (-) ไม่ได้ — ระบุโฟลเดอร์หรือไฟล์ เช่น {name}.docx")

    path = export_template(name, directory, db=state(ctx).db_path, force=force)
    if json_output:
        print_json({"name": name, "output": str(path)})
        return
    echo(f"เขียน {path} — แก้ใน Word แล้วใช้: nitet {'manual export' if name == 'manual' else 'report'} --template {path}")
