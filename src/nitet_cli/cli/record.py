"""Recording: ``nitet log-visit`` and ``nitet log``, the commands a supervisor runs every day (and
cron every week), so they start fast: this module alone of the command modules is loaded, and
nothing here or in the services it calls imports rich or the DOCX stack (python-docx, docxtpl,
Pillow); services are imported inside the commands.

The two commands take one set of options (declared once below) and hand everything they were
given to :func:`_record` as one :class:`Recording`.
"""

from pathlib import Path
from typing import Annotated, NamedTuple

import typer

from nitet_cli.cli import common
from nitet_cli.cli.choices import Kind, Mode
from nitet_cli.cli.common import CaptionOption, JsonOption, KindOption, ModeOption, echo, open_db, print_json, state
from nitet_cli.cli.completion import complete_school, complete_standard

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

MAX_SCHOOLS_SHOWN = 30

# --- the options of log-visit and log --------------------------------------------------------------

Schools = Annotated[
    list[str] | None,
    typer.Option("--school", "-s", help="โรงเรียน: รหัส ชื่อ หรือส่วนของชื่อ (ใส่ได้หลายครั้ง)", autocompletion=complete_school),
]
When = Annotated[
    str, typer.Option("--date", "-d", help="วันที่ เช่น 2026-06-15, 15/6/2569, today, yesterday (ค่าเริ่มต้น: วันนี้)")
]
Title = Annotated[str | None, typer.Option("--title", "-t", help="ชื่อกิจกรรม/เรื่องที่นิเทศ")]
Findings = Annotated[str, typer.Option("--findings", help="ผลการนิเทศหรือผลการดำเนินงาน")]
Suggestions = Annotated[str, typer.Option("--suggestions", help="ข้อเสนอแนะ")]
Participants = Annotated[str, typer.Option("--participants", help="ผู้รับการนิเทศ/ผู้เข้าร่วม")]
Teachers = Annotated[int | None, typer.Option("--teachers", min=0, help="จำนวนครูที่ได้รับการนิเทศหรือที่เข้าร่วม")]
Evidence = Annotated[list[Path] | None, typer.Option("--evidence", "-e", help="ไฟล์หลักฐาน (ใส่ได้หลายครั้ง)")]
Links = Annotated[list[str] | None, typer.Option("--link", help="ลิงก์หลักฐาน เช่น Google Drive (ใส่ได้หลายครั้ง)")]
AllowFuture = Annotated[bool, typer.Option("--allow-future", help="ยอมให้บันทึกวันที่ในอนาคต")]


class Recording(NamedTuple):
    """Everything one ``log-visit`` or ``log`` was given, by its parameters' names."""

    kind: str
    school_required: bool
    standards: list[str] | None
    school: list[str] | None
    when: str
    mode: str
    title: str | None
    findings: str
    suggestions: str
    participants: str
    teachers: int | None
    evidence: list[Path] | None
    link: list[str] | None
    caption: list[str] | None
    allow_future: bool
    json_output: bool
    follow_up: list[str] | None = None
    check_by: str | None = None
    close_follow_up: list[str] | None = None

    @classmethod
    def of(cls, arguments: dict, **fixed) -> "Recording":
        """The recording a command's arguments (its ``locals()``) and ``fixed`` values make."""
        given = {**arguments, **fixed}
        return cls(**{name: given[name] for name in cls._fields if name in given})


# --- asking in a terminal -----------------------------------------------------------------------


def _missing(names: list[str]) -> None:
    from nitet_cli.errors import InputError

    raise InputError(f"ขาดข้อมูลที่ต้องระบุ: {', '.join(names)} — ใส่ตัวเลือกเหล่านี้ในคำสั่ง (ไม่ถามกลับเพราะไม่ได้รันในเทอร์มินัล)")


def _ask_school(conn) -> str:
    from nitet_cli.errors import NitetError
    from nitet_cli.schools import list_schools, resolve_school

    schools = list_schools(conn)
    if not schools:
        from nitet_cli.errors import NotFoundError

        raise NotFoundError("ยังไม่มีโรงเรียนในฐานข้อมูล — เพิ่มด้วย 'nitet school add' หรือ 'nitet school import schools.csv'")
    echo("โรงเรียนที่มี:", err=True)
    for s in schools[:MAX_SCHOOLS_SHOWN]:
        echo(f"  {s.code}  {s.name}  ({s.school_group or '-'})", err=True)
    if len(schools) > MAX_SCHOOLS_SHOWN:
        echo(f"  … และอีก {len(schools) - MAX_SCHOOLS_SHOWN} แห่ง (พิมพ์ส่วนหนึ่งของชื่อได้)", err=True)
    for attempt in range(3):
        answer = typer.prompt("โรงเรียน (รหัสหรือชื่อ)")
        try:
            return resolve_school(conn, answer).code
        except NitetError as error:
            if attempt == 2:
                raise
            common.show_error(error)
    raise AssertionError("unreachable")


def _ask_title() -> str:
    return typer.prompt("ชื่อกิจกรรม (--title)")


def _ask_standard(conn, suggested: list[str]) -> list[str]:
    from nitet_cli.activities import active_standards, check_standards
    from nitet_cli.errors import NitetError

    choices = active_standards(conn)
    echo("มาตรฐานในคู่มือ:", err=True)
    for sid, standard_text in choices:
        short = standard_text if len(standard_text) <= 70 else standard_text[:69] + "…"
        echo(f"  {sid:>5}  {short}", err=True)
    for attempt in range(3):
        answer = typer.prompt("มาตรฐาน (รหัส เช่น 1.2; คั่นหลายข้อด้วยช่องว่าง)", default=" ".join(suggested) or None)
        try:
            return check_standards(conn, answer.replace(",", " ").split())
        except NitetError as error:
            if attempt == 2:
                raise
            common.show_error(error)
    raise AssertionError("unreachable")


# --- recording -----------------------------------------------------------------------------------


CAPTION_EXAMPLE = '-e a.jpg --caption "ห้อง ป.๑" -e b.jpg --caption "ห้อง ป.๒"'


def _evidence_items(
    ctx: typer.Context, evidence: list[Path] | None, links: list[str] | None, captions: list[str] | None
):
    """The files and links of a recording command with their captions (README, "A day's logging").

    One ``--caption`` describes every file and link of the command, wherever it stands (as
    before captions could be paired). Several: each describes the files and links given since
    the caption before it — ``-e a.jpg --caption X -e b.jpg --caption Y`` gives a.jpg X and
    b.jpg Y; files after the last caption have none. The order comes from
    :class:`~nitet_cli.cli.common.OrderedCommand`.
    """
    from nitet_cli.activities import EvidenceInput
    from nitet_cli.errors import InputError

    files = [EvidenceInput(path=Path(p)) for p in (evidence or [])]
    urls = [EvidenceInput(url=u) for u in (links or [])]
    items = files + urls
    captions = list(captions or [])
    if len(captions) <= 1:
        return [item._replace(caption=captions[0] if captions else "") for item in items]
    order = [name for name in ctx.meta.get(common.OPTION_ORDER, []) if name in ("evidence", "link", "caption")]
    if len(order) != len(items) + len(captions):
        raise RuntimeError("captions need the option order: register the command with cls=OrderedCommand")
    # Positions in ``items``: files first, then links, each in the order given.
    queues = {
        "evidence": iter(range(len(files))),
        "link": iter(range(len(files), len(items))),
        "caption": iter(captions),
    }
    waiting: list[int] = []
    for name in order:
        value = next(queues[name])
        if name != "caption":
            waiting.append(value)
            continue
        if not waiting:
            raise InputError(
                f'--caption "{value}" ไม่มีไฟล์ (-e) หรือลิงก์ (--link) ก่อนหน้าให้บรรยาย'
                f" — ใส่ --caption ต่อท้ายหลักฐานที่บรรยาย เช่น {CAPTION_EXAMPLE}"
            )
        for position in waiting:
            items[position] = items[position]._replace(caption=value)
        waiting = []
    return items


def _record(ctx: typer.Context, given: Recording) -> None:
    from nitet_cli.activities import (
        NewActivity,
        check_entry_date,
        describe_activity,
        record_activity,
        visit_standards_for,
    )
    from nitet_cli.dates import parse_date
    from nitet_cli.thai import be_date

    interactive = common.is_interactive()
    kind, mode, title = str(given.kind), str(given.mode), given.title
    standards, schools = list(given.standards or []), list(given.school or [])
    day = parse_date(given.when)  # a bad date is refused before the database is opened
    due = parse_date(given.check_by) if given.check_by is not None else None
    if due is not None:
        from nitet_cli.follow_ups import check_check_by

        check_check_by(due, day)  # refused before the database is opened, as a bad date is
    closures = [_closure(spec) for spec in given.close_follow_up or []]
    conn = open_db(ctx)
    check_entry_date(conn, day, allow_future=given.allow_future)

    missing = []
    if given.school_required and not schools and not interactive:
        missing.append("--school (รหัสหรือชื่อโรงเรียน)")
    if title is None and not interactive:
        missing.append("--title (ชื่อกิจกรรม)")
    if not standards and not interactive and not given.school_required and not (kind == "visit" and schools):
        missing.append("STANDARD (รหัสมาตรฐาน เช่น 1.2)")
    if missing:
        _missing(missing)

    codes = _school_codes(conn, schools)
    if given.school_required and not codes:
        codes = [_ask_school(conn)]
    if not standards:
        suggested = visit_standards_for(conn, codes) if kind == "visit" else []
        if suggested:
            standards = suggested
        elif interactive:
            standards = _ask_standard(conn, suggested)
        else:
            _missing(["--standard (ไม่มีมาตรฐานใดในคู่มือที่มีเป้าหมายตรงกับกลุ่มของโรงเรียนนี้)"])
    if title is None:
        title = _ask_title()

    new = NewActivity(
        date=day,
        title=title,
        standards=list(standards),
        schools=codes,
        kind=kind,
        mode=mode,
        findings=given.findings,
        suggestions=given.suggestions,
        participants=given.participants,
        teachers=given.teachers,
        evidence=_evidence_items(ctx, given.evidence, given.link, given.caption),
        follow_ups=list(given.follow_up or []),
        check_by=due,
        closures=closures,
    )
    # ``new`` as recorded (standards as stored, each school and follow-up once): what the summary counts
    activity_id, new = record_activity(conn, state(ctx).db_path, new, check_date=True, allow_future=given.allow_future)
    if given.json_output:
        from nitet_cli.follow_ups import get_follow_up, open_at_schools

        entry = describe_activity(conn, state(ctx).db_path, activity_id)
        if kind == "visit":
            entry["closed_follow_ups"] = [get_follow_up(conn, c.id) for c in new.closures]
            entry["open_follow_ups"] = open_at_schools(conn, codes, before_activity=activity_id)
        print_json(entry)
        return
    echo(str(activity_id))
    if not state(ctx).quiet:
        where = f" ที่ {', '.join(new.schools)}" if new.schools else ""
        extra = f" ข้อเสนอแนะที่ต้องติดตาม {len(new.follow_ups) * len(new.schools)} รายการ" if new.follow_ups else ""
        extra += f" ปิดการติดตาม {len(new.closures)} รายการ" if new.closures else ""
        echo(
            f"บันทึกรายการที่ {activity_id}: {be_date(day)}{where} มาตรฐาน {', '.join(new.standards)}"
            f" หลักฐาน {len(new.evidence)} ชิ้น{extra}",
            err=True,
        )
        if interactive and kind == "visit":
            _print_open_follow_ups(conn, codes, activity_id)


def _school_codes(conn, schools: list[str]) -> list[str]:
    """The codes of the schools named (code, name or part of it); none named, nothing loaded."""
    if not schools:
        return []
    from nitet_cli.schools import resolve_school

    return [resolve_school(conn, s).code for s in schools]


def _closure(spec: str):
    """``--close-follow-up ID[:RESULT]`` -> a Closure (done)."""
    from nitet_cli.errors import InputError
    from nitet_cli.follow_ups import Closure
    from nitet_cli.text import clean_text
    from nitet_cli.thai import to_arabic_digits

    text = clean_text(spec or "") or ""
    number, _, result = text.partition(":")
    number = to_arabic_digits(number.strip())
    if not number.isdigit():
        raise InputError(
            f"--close-follow-up ต้องเป็นหมายเลข หรือ หมายเลข:ผลการติดตาม เช่น 12 หรือ \"12:จัดมุมหนังสือแล้ว\" ไม่ใช่ '{text}'"
        )
    return Closure(int(number), result.strip())


def _print_open_follow_ups(conn, codes: list[str], activity_id: int) -> None:
    """At a visit in a terminal: what was suggested before at these schools and is still
    open, with the command that closes each (stderr: stdout stays the new id)."""
    from nitet_cli.cli.follow_up_view import follow_up_when
    from nitet_cli.follow_ups import open_at_schools

    items = open_at_schools(conn, codes, before_activity=activity_id)
    if not items:
        return
    echo(f"ข้อเสนอแนะที่ยังต้องติดตามของโรงเรียนนี้ {len(items)} รายการ:", err=True)
    for item in items:
        echo(f"  #{item['id']} {item['school_name']} — {follow_up_when(item)}: {item['text']}", err=True)
        echo(f'      ปิด: nitet follow-up close {item["id"]} --result "…" [--status done|partly|not-done]', err=True)


@app.command("log-visit", cls=common.OrderedCommand)
def log_visit(
    ctx: typer.Context,
    school: Schools = None,
    when: When = "today",
    standards: Annotated[
        list[str] | None,
        typer.Option(
            "--standard",
            help="มาตรฐาน เช่น 7.3 (ใส่ได้หลายครั้ง; ค่าเริ่มต้น: มาตรฐานที่มีเป้าหมายเป็นกลุ่มของโรงเรียน)",
            autocompletion=complete_standard,
        ),
    ] = None,
    mode: ModeOption = Mode.onsite,
    title: Title = None,
    findings: Findings = "",
    suggestions: Suggestions = "",
    participants: Participants = "",
    teachers: Teachers = None,
    evidence: Evidence = None,
    link: Links = None,
    caption: CaptionOption = None,
    allow_future: AllowFuture = False,
    follow_up: Annotated[
        list[str] | None,
        typer.Option("--follow-up", help="ข้อเสนอแนะที่ต้องติดตาม (ใส่ได้หลายครั้ง; หนึ่งรายการต่อข้อความต่อโรงเรียน)"),
    ] = None,
    check_by: Annotated[
        str | None,
        typer.Option("--check-by", help="ติดตามภายในวันที่ (รูปแบบเดียวกับ --date; ค่าเริ่มต้น: การนิเทศครั้งถัดไป)"),
    ] = None,
    close_follow_up: Annotated[
        list[str] | None,
        typer.Option(
            "--close-follow-up",
            metavar="ID[:RESULT]",
            help='ปิดข้อเสนอแนะที่ติดตามในการนิเทศนี้ เช่น "12:จัดมุมหนังสือแล้ว" (ใส่ได้หลายครั้ง)',
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """บันทึกการนิเทศโรงเรียน (พิมพ์หมายเลขรายการใหม่; --json: ทั้งรายการ)"""
    _record(ctx, Recording.of(locals(), kind=Kind.visit, school_required=True))


@app.command("log", cls=common.OrderedCommand)
def log(
    ctx: typer.Context,
    standards: Annotated[
        list[str] | None, typer.Argument(help="มาตรฐาน เช่น 1.2 9.1", autocompletion=complete_standard)
    ] = None,
    title: Title = None,
    kind: KindOption = Kind.other,
    when: When = "today",
    school: Schools = None,
    mode: ModeOption = Mode.onsite,
    findings: Findings = "",
    suggestions: Suggestions = "",
    participants: Participants = "",
    teachers: Teachers = None,
    evidence: Evidence = None,
    link: Links = None,
    caption: CaptionOption = None,
    allow_future: AllowFuture = False,
    json_output: JsonOption = False,
) -> None:
    """บันทึกกิจกรรมอื่น (อบรม ประชุม จัดทำรายงาน ปรับปรุงเว็บไซต์ …) ตามมาตรฐานหนึ่งข้อหรือมากกว่า"""
    _record(ctx, Recording.of(locals(), school_required=False))
