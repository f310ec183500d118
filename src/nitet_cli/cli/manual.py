"""``nitet init`` and ``nitet manual load|show|export``."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from nitet_cli.cli.common import (
    JsonOption,
    NitetGroup,
    PdfOption,
    console,
    echo,
    is_stdout,
    open_db,
    print_json,
    print_sample_notice,
    state,
    text,
)
from nitet_cli.cli.completion import complete_template

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

NO_OWN_PROFILE = (
    "(ฐานข้อมูลนี้ไม่มีข้อมูลผู้จัดทำของตนเอง เช่น ฐานข้อมูลรวมของกลุ่มจาก 'nitet merge --into'"
    " — แสดงคู่มือโดยไม่มีชื่อผู้จัดทำ; เพิ่มข้อมูลผู้จัดทำด้วย 'nitet manual load duties.yaml')"
)

manual_app = typer.Typer(cls=NitetGroup, help="คู่มือปฏิบัติงาน: โหลด แสดง และส่งออกเป็น DOCX", no_args_is_help=True)
app.add_typer(manual_app, name="manual")


def _describe_load(result) -> str:
    if not result.changed:
        return "ไม่มีการเปลี่ยนแปลง (คู่มือตรงกับฐานข้อมูลแล้ว)"
    parts = []
    for label, value in (
        ("เพิ่มเรื่อง", result.duties_added),
        ("แก้ไขเรื่อง", result.duties_updated),
        ("ยกเลิกเรื่อง", result.duties_retired),
        ("เพิ่มแถว", result.standards_added),
        ("แก้ไขแถว", result.standards_updated),
        ("ยกเลิกแถว", result.standards_retired),
    ):
        if value:
            parts.append(f"{label} {value}")
    if result.profile_changed:
        parts.append("ปรับข้อมูลผู้จัดทำ")
    if result.year_changed:
        parts.append("ปรับปีการศึกษาของคู่มือ")
    return ", ".join(parts)


def _ask(question: str, field: str, *, allow_empty: bool = False) -> str:
    """One answer, asked again until it is a usable value (an empty one only when allowed)."""
    from nitet_cli.errors import InputError
    from nitet_cli.profile import check_fields

    while True:
        answer = typer.prompt(question, default="", show_default=False).strip()
        if not answer:
            if allow_empty:
                return ""
            echo("ต้องตอบข้อนี้ (ค่าในวงเล็บเป็นเพียงตัวอย่าง)", err=True)
            continue
        try:
            return check_fields({field: answer})[field]
        except InputError as error:
            echo(error.message, err=True)


def _ask_profile(sample: dict) -> dict[str, str | None]:
    """In a terminal: the name, position and office, the sample's shown as examples only.
    An empty name keeps the whole sample for now (and every document says so until 'profile set')."""
    name = _ask(f"ชื่อ-นามสกุลของคุณ (เช่น {sample['name']}; กด Enter เพื่อใช้โปรไฟล์ตัวอย่างไปก่อน)", "name", allow_empty=True)
    if not name:
        echo("ใช้โปรไฟล์ตัวอย่างไปก่อน — เปลี่ยนเมื่อใดก็ได้ด้วย 'nitet profile set --name … --position … --office …'")
        return {}
    position = _ask(f"ตำแหน่ง (เช่น {sample['position']})", "position")
    office = _ask(f"สังกัด (เช่น {sample['office']})", "office")
    return {"name": name, "position": position, "office": office}


@app.command()
def init(
    ctx: typer.Context,
    manual_file: Annotated[Path, typer.Option("--manual", help="ไฟล์คู่มือ YAML (ค่าเริ่มต้น: คู่มือที่มากับโปรแกรม)")] = None,
    name: Annotated[
        str, typer.Option("--name", help="ชื่อ-นามสกุลของคุณ (ในเทอร์มินัลจะถามถ้าไม่ระบุ)", show_default=False)
    ] = None,
    position: Annotated[str, typer.Option("--position", help="ตำแหน่ง เช่น ศึกษานิเทศก์", show_default=False)] = None,
    office: Annotated[str, typer.Option("--office", help="สังกัด (ต้องระบุพร้อม --name)", show_default=False)] = None,
    json_output: JsonOption = False,
) -> None:
    """สร้างฐานข้อมูลและโหลดคู่มือปฏิบัติงาน พร้อมชื่อ ตำแหน่ง และสังกัดของคุณ

    ในเทอร์มินัลจะถามชื่อ ตำแหน่ง และสังกัด; จากสคริปต์ใช้ --name … --office …
    ฐานข้อมูลที่มีเจ้าของแล้วคงโปรไฟล์เดิมไว้ (เว้นแต่ระบุ --manual หรือ --name)"""
    from nitet_cli.cli import common
    from nitet_cli.manual import PROFILE_FIELDS, get_profile, read_manual, store_manual
    from nitet_cli.paths import bundled_manual
    from nitet_cli.profile import SAMPLE_NAME, check_fields, first_profile

    manual = read_manual(manual_file or bundled_manual())  # check the file before creating anything
    given = {"name": name, "position": position, "office": office}
    check_fields(given)
    db_path = state(ctx).db_path
    owner = get_profile(open_db(ctx)) if db_path.exists() else None
    # Loading the bundled manual again keeps the owner's profile; a manual file brings its own.
    base = dict(manual.profile)
    if owner is not None and manual_file is None:
        base.update({f: owner[f] for f in PROFILE_FIELDS})
    first_profile(base, given)  # an incomplete --name is refused before anything is asked or written
    if name is None and base["name"] == SAMPLE_NAME and not json_output and common.is_interactive():
        given = _ask_profile(base)
    manual.profile = first_profile(base, given)
    conn = open_db(ctx, create=True)
    result = store_manual(conn, manual)
    sample = manual.profile["name"] == SAMPLE_NAME
    if json_output:
        print_json(
            {
                "db": str(db_path),
                "duties": len(manual.duties),
                "standards": manual.standard_count,
                "changed": result.changed,
                "name": manual.profile["name"],
                "sample": sample,
            }
        )
        return
    echo(f"ฐานข้อมูล: {db_path}")
    echo(f"คู่มือ: {len(manual.duties)} เรื่อง {manual.standard_count} แถว — {_describe_load(result)}")
    echo(f"เจ้าของ: {manual.profile['name']}" + (" (โปรไฟล์ตัวอย่าง)" if sample else ""))
    if sample:
        print_sample_notice(conn)


@manual_app.command("load")
def manual_load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="ไฟล์คู่มือ .yaml")],
    json_output: JsonOption = False,
) -> None:
    """ตรวจและโหลดคู่มือจาก YAML (โหลดซ้ำได้: แถวที่หายไปจะถูกยกเลิก ไม่ถูกลบ)"""
    from dataclasses import asdict

    from nitet_cli.manual import read_manual, store_manual

    manual = read_manual(file)
    conn = open_db(ctx, create=True)
    result = store_manual(conn, manual)
    if json_output:
        print_json(
            {
                "duties": len(manual.duties),
                "standards": manual.standard_count,
                "changed": result.changed,
                **asdict(result),
            }
        )
        return
    echo(f"โหลด {file}: {len(manual.duties)} เรื่อง {manual.standard_count} แถว — {_describe_load(result)}")


@manual_app.command("show")
def manual_show(
    ctx: typer.Context,
    duty: Annotated[int, typer.Option("--duty", help="แสดงเฉพาะเรื่องที่ระบุ")] = None,
    retired: Annotated[bool, typer.Option("--retired", help="รวมแถวที่ยกเลิกแล้ว")] = False,
    full: Annotated[
        bool,
        typer.Option(
            "--full/--short",
            help="--full: ข้อความเต็มทุกแถว ตัดบรรทัดตามความกว้างจอ ไม่ตัดทิ้ง; --short: ตารางย่อ"
            " (ค่าเริ่มต้น: ตารางย่อบนจอ ข้อความเต็มเมื่อส่งต่อไปยังไฟล์หรือคำสั่งอื่น)",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """แสดงคู่มือปฏิบัติงานที่อยู่ในฐานข้อมูล"""
    from nitet_cli.errors import NotFoundError
    from nitet_cli.manual import get_manual, manual_as_dict

    manual = get_manual(open_db(ctx), include_retired=retired)
    if duty is not None:
        numbers = [d.number for d in manual.duties]
        if duty not in numbers:
            raise NotFoundError(f"ไม่มีเรื่องที่ {duty} — มีเรื่องที่ {', '.join(map(str, numbers))}")
        manual.duties = [d for d in manual.duties if d.number == duty]
    if json_output:
        print_json(manual_as_dict(manual))
        return
    out = console()
    if full is None:
        full = not out.is_terminal
    p = manual.profile
    heading = text(manual.title, "bold")
    if manual.own_profile:
        heading.append(text(f" — {p['name']} ตำแหน่ง{p['position']} วิทยฐานะ{p['academic_standing']}"))
    out.print(heading, overflow="fold")
    if not manual.own_profile:
        out.print(text(NO_OWN_PROFILE), overflow="fold")
    if p["office"]:
        out.print(text(p["office"]), overflow="fold")
    if full:
        _print_manual_full(out, manual)
    else:
        _print_manual_short(out, manual)


#: After ``manual show`` when a target stored in the database is read otherwise than it is written.
TARGETS_READ_OTHERWISE = (
    "(เป้าหมายที่แก้ในฐานข้อมูลโดยตรงนับตามที่แสดง — แก้ในไฟล์จาก 'nitet manual export --yaml' แล้วโหลดกลับด้วย 'nitet manual load')"
)


def _target_text(standard, sep: str = " ") -> str:
    """The target as every command counts by it (targets.target_groups, target_minimum):
    ``บ้านคู่: ≥2 ครั้ง/ภาคเรียน``, and ``(นับทุกครั้งที่นิเทศ)`` after ``sep`` for a target
    counting every visit; ``ไม่นับเป็นเป้าหมาย`` for a stored one that counts nothing."""
    from nitet_cli.targets import counts_every_visit, target_groups, target_minimum

    if not standard.target:
        return "ไม่นับเป็นเป้าหมาย" if standard.target_notes else ""
    groups = ", ".join(target_groups(standard.target)) or "ทุกโรงเรียน"
    target = f"{groups}: ≥{target_minimum(standard.target)} ครั้ง/ภาคเรียน"
    if counts_every_visit(standard.target):
        target += f"{sep}(นับทุกครั้งที่นิเทศ)"
    return target


def _stored_text(standard) -> str:
    """How the stored target is written where it is read otherwise (manual.target_notes)."""
    return f"ในฐานข้อมูล: {'; '.join(standard.target_notes)}"


def _print_manual_full(out, manual) -> None:
    """Every text whole, one block per row, wrapped to the width (at spaces, and inside a
    run of Thai longer than a line), never cut."""
    from rich.padding import Padding

    noted = False
    for d in manual.duties:
        out.print()
        out.print(text(f"เรื่องที่ {d.number}. {d.title}", "bold"), overflow="fold")
        for s in d.standards:
            out.print(text(s.id, "bold"))
            target = _target_text(s)
            if s.target_notes:
                target += f" ({_stored_text(s)})"
                noted = True
            for label, value in (
                ("กิจกรรม/วิธีปฏิบัติ", s.activity),
                ("มาตรฐานการปฏิบัติงาน", s.standard),
                ("เป้าหมาย", target),
            ):
                if value:
                    line = text(f"{label}: ", "dim")
                    line.append(text(value))
                    out.print(Padding(line, (0, 0, 0, 4)), overflow="fold")
    if noted:
        out.print()
        out.print(text(TARGETS_READ_OTHERWISE), overflow="fold")


def _print_manual_short(out, manual) -> None:
    """A table per duty, a line per row: a look over the manual on a screen; a text longer
    than its column ends with … (``--full`` shows it whole). A target stored otherwise than
    it is read is marked ``*``, and how it is stored follows the table."""
    from rich.table import Table

    noted = False
    for d in manual.duties:
        # expand: rich shares the width by the ratios only in an expanded table; otherwise the
        # texts' full widths overflow it and every column, the standard's number too, shrinks.
        table = Table(title=text(f"เรื่องที่ {d.number}. {d.title}"), show_lines=True, title_justify="left", expand=True)
        table.add_column("ที่", justify="right", no_wrap=True)
        table.add_column("กิจกรรม/วิธีปฏิบัติ", ratio=2, no_wrap=True, overflow="ellipsis")
        table.add_column("มาตรฐานการปฏิบัติงาน", ratio=3, no_wrap=True, overflow="ellipsis")
        table.add_column("เป้าหมาย", ratio=1, no_wrap=True, overflow="ellipsis")
        for s in d.standards:
            target = ("* " if s.target_notes else "") + _target_text(s, "\n")
            table.add_row(text(s.id), text(s.activity), text(s.standard), text(target))
        out.print(table)
        for s in d.standards:
            if s.target_notes:
                out.print(text(f"* {s.id} {_stored_text(s)}"), overflow="fold")
                noted = True
    echo("(ข้อความยาวถูกย่อด้วย … — ดูข้อความเต็มด้วย 'nitet manual show --full')")
    if noted:
        out.print(text(TARGETS_READ_OTHERWISE), overflow="fold")


def _note_targets_to_fix(to_fix: list[dict], where: str) -> None:
    """One line on stderr naming the targets edited by hand that the YAML export lists (manual.targets_to_fix)."""
    if to_fix:
        echo(
            f"หมายเหตุ: เป้าหมายของมาตรฐาน {', '.join(t['standard'] for t in to_fix)} ถูกแก้ในฐานข้อมูลโดยตรง"
            " — เขียนไว้ตามที่เก็บ และ 'nitet manual load' จะไม่รับหรืออ่านต่างจากที่นับอยู่:"
            f" แก้ตามรายการ{where} ก่อนโหลดกลับ",
            err=True,
        )


YAML_SUFFIXES = (".yaml", ".yml")


@manual_app.command("export")
def manual_export(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option(
            "-o",
            "--output",
            help="ไฟล์ที่จะเขียน (ค่าเริ่มต้น: manual.docx หรือ my-duties.yaml กับ --yaml; -o - กับ --yaml: พิมพ์ออกทาง stdout)",
        ),
    ] = None,
    yaml_output: Annotated[
        bool,
        typer.Option("--yaml", help="เขียนคู่มือเป็น YAML ที่แก้เองแล้วโหลดกลับด้วย 'nitet manual load' ได้ (ชื่อ .yaml ก็เช่นกัน)"),
    ] = False,
    template: Annotated[
        str, typer.Option("--template", help="แม่แบบ: ชื่อในตัว (manual) หรือไฟล์ .docx", autocompletion=complete_template)
    ] = None,
    pdf: PdfOption = False,
    json_output: JsonOption = False,
) -> None:
    """ส่งออกคู่มือปฏิบัติงานเป็นเอกสาร Word (.docx) ตามแบบราชการไทย หรือเป็น YAML ของคุณเอง (--yaml)"""
    from nitet_cli.errors import InputError

    if output is not None and output.suffix.lower() in YAML_SUFFIXES:
        yaml_output = True
    if is_stdout(output):
        if not yaml_output:
            raise InputError(
                "เอกสาร Word เขียนออกทาง stdout (-o -) ไม่ได้ — ระบุไฟล์ เช่น -o manual.docx"
                " หรือพิมพ์คู่มือเป็น YAML ด้วย --yaml -o -"
            )
        if json_output:
            raise InputError("--json แสดงสรุปของไฟล์ที่เขียน จึงใช้กับ -o - ไม่ได้ (-o - พิมพ์ YAML ออกทาง stdout อยู่แล้ว)")
    if yaml_output:
        if output is not None and output.suffix.lower() not in YAML_SUFFIXES and not is_stdout(output):
            raise InputError(f"--yaml เขียนไฟล์ YAML — ใช้ชื่อที่ลงท้ายด้วย .yaml เช่น -o {output.with_suffix('.yaml')}")
        if pdf or template is not None:
            raise InputError(f"{'--pdf' if pdf else '--template'} ใช้กับเอกสาร Word เท่านั้น ไม่ใช่ --yaml")
        from nitet_cli.documents import export_manual_yaml
        from nitet_cli.manual import get_manual, targets_to_fix

        conn = open_db(ctx)
        to_fix = targets_to_fix(get_manual(conn))  # targets edited by hand, written as stored and listed in the file
        if is_stdout(output):
            from nitet_cli.manual import manual_yaml

            # The file's bytes (UTF-8), as export -o - writes them: a stdout in a legacy encoding
            # (latin-1) would turn the Thai into \u0e01 text that manual load reads back as it stands.
            sys.stdout.flush()
            sys.stdout.buffer.write(manual_yaml(conn, db_name=state(ctx).db_path.name).encode("utf-8"))
            sys.stdout.buffer.flush()
            _note_targets_to_fix(to_fix, "ในหัวของ YAML ที่พิมพ์ออก")
            return
        path = export_manual_yaml(conn, state(ctx).db_path, output or Path("my-duties.yaml"))
        if json_output:
            print_json({"output": str(path), "format": "yaml", "targets_to_fix": to_fix})
            return
        echo(f"เขียน {path} — แก้แล้วโหลดกลับด้วย: nitet manual load {path}")
        _note_targets_to_fix(to_fix, f"ที่หัวไฟล์ {path}")
        print_sample_notice(conn)
        return

    from nitet_cli.documents import export_manual
    from nitet_cli.pdf import pdf_path as pdf_of

    db_path = state(ctx).db_path
    conn = open_db(ctx)
    output = output or Path("manual.docx")
    path = export_manual(conn, db_path, output, template=template or "manual", pdf=pdf_of(output) if pdf else None)
    pdf_path = None
    if pdf:
        from nitet_cli.pdf import convert_to_pdf

        pdf_path = convert_to_pdf(path, db=db_path)
    if json_output:
        print_json({"output": str(path), **({"pdf": str(pdf_path)} if pdf_path else {})})
        return
    echo(f"เขียน {path}" + (f" และ {pdf_path}" if pdf_path else ""))
    print_sample_notice(conn)
