"""Recording and reading entries: ``nitet log-visit``, ``log``, ``list``, ``show``, ``edit``,
``delete`` and ``nitet evidence add|list|open``.

Recording commands must start fast: nothing here imports the DOCX stack (python-docx, docxtpl, Pillow),
and services are imported inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import typer

from nitet_cli.cli import common
from nitet_cli.cli.common import NitetGroup, echo, open_db, print_json, state, text
from nitet_cli.cli.follow_up_view import follow_up_when
from nitet_cli.completion import complete_school, complete_standard

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

evidence_app = typer.Typer(cls=NitetGroup, help="ร่องรอย/หลักฐาน (ไฟล์และลิงก์) ของรายการที่บันทึกแล้ว", no_args_is_help=True)
app.add_typer(evidence_app, name="evidence")

MAX_SCHOOLS_SHOWN = 30

# Options shared by log-visit and log (typer needs a fresh OptionInfo per parameter,
# so these are small factories).


def _date_option():
    return typer.Option("today", "--date", "-d", help="วันที่ เช่น 2026-06-15, 15/6/2569, today, yesterday (ค่าเริ่มต้น: วันนี้)")


def _evidence_option():
    return typer.Option(None, "--evidence", "-e", help="ไฟล์หลักฐาน (ใส่ได้หลายครั้ง)")


def _link_option():
    return typer.Option(None, "--link", help="ลิงก์หลักฐาน เช่น Google Drive (ใส่ได้หลายครั้ง)")


def _caption_option():
    return typer.Option(
        None,
        "--caption",
        help="คำบรรยายหลักฐาน: ใส่ต่อท้ายไฟล์ (-e) หรือลิงก์ที่บรรยาย; ใส่ครั้งเดียวใช้กับหลักฐานทุกชิ้นของคำสั่งนี้",
    )


def _json_option():
    return typer.Option(False, "--json", help="แสดงผลเป็น JSON")


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
    captions = list(captions or [])
    if len(captions) <= 1:
        for item in files + urls:
            item.caption = captions[0] if captions else ""
        return files + urls
    order = [name for name in ctx.meta.get(common.OPTION_ORDER, []) if name in ("evidence", "link", "caption")]
    if len(order) != len(files) + len(urls) + len(captions):
        raise RuntimeError("captions need the option order: register the command with cls=OrderedCommand")
    queues = {"evidence": iter(files), "link": iter(urls), "caption": iter(captions)}
    waiting: list = []
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
        for item in waiting:
            item.caption = value
        waiting = []
    return files + urls


def _record(
    ctx: typer.Context,
    *,
    kind: str,
    standards: list[str],
    schools: list[str],
    school_required: bool,
    when: str,
    mode: str,
    title: str | None,
    findings: str,
    suggestions: str,
    participants: str,
    teachers: int | None,
    evidence: list[Path] | None,
    links: list[str] | None,
    caption: list[str] | None,
    allow_future: bool,
    json_output: bool,
    follow_ups: list[str] | None = None,
    check_by: str | None = None,
    close_follow_ups: list[str] | None = None,
) -> None:
    from nitet_cli.activities import NewActivity, add_activity, check_entry_date, describe_activity, visit_standards_for
    from nitet_cli.dates import parse_date
    from nitet_cli.schools import resolve_school
    from nitet_cli.thai import be_date

    interactive = common.is_interactive()
    day = parse_date(when)  # a bad date is refused before the database is opened
    due = parse_date(check_by) if check_by is not None else None
    if due is not None:
        from nitet_cli.follow_ups import check_check_by

        check_check_by(due, day)  # refused before the database is opened, as a bad date is
    closures = [_closure(spec) for spec in close_follow_ups or []]
    conn = open_db(ctx)
    check_entry_date(conn, day, allow_future=allow_future)

    missing = []
    if school_required and not schools and not interactive:
        missing.append("--school (รหัสหรือชื่อโรงเรียน)")
    if title is None and not interactive:
        missing.append("--title (ชื่อกิจกรรม)")
    if not standards and not interactive and not school_required and not (kind == "visit" and schools):
        missing.append("STANDARD (รหัสมาตรฐาน เช่น 1.2)")
    if missing:
        _missing(missing)

    codes = [resolve_school(conn, s).code for s in schools]
    if school_required and not codes:
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
        findings=findings,
        suggestions=suggestions,
        participants=participants,
        teachers=teachers,
        evidence=_evidence_items(ctx, evidence, links, caption),
        follow_ups=list(follow_ups or []),
        check_by=due,
        closures=closures,
    )
    activity_id = add_activity(conn, state(ctx).db_path, new, check_date=True, allow_future=allow_future)
    if json_output:
        from nitet_cli.follow_ups import get_follow_up, open_at_schools

        entry = describe_activity(conn, state(ctx).db_path, activity_id)
        if kind == "visit":
            entry["closed_follow_ups"] = [get_follow_up(conn, c.id) for c in new.closures]
            entry["open_follow_ups"] = open_at_schools(conn, codes, before_activity=activity_id)
        print_json(entry)
        return
    echo(str(activity_id))
    if not state(ctx).quiet:
        where = f" ที่ {', '.join(codes)}" if codes else ""
        extra = f" ข้อเสนอแนะที่ต้องติดตาม {len(new.follow_ups) * len(codes)} รายการ" if new.follow_ups else ""
        extra += f" ปิดการติดตาม {len(new.closures)} รายการ" if new.closures else ""
        echo(
            f"บันทึกรายการที่ {activity_id}: {be_date(day)}{where} มาตรฐาน {', '.join(new.standards)}"
            f" หลักฐาน {len(new.evidence)} ชิ้น{extra}",
            err=True,
        )
        if interactive and kind == "visit":
            _print_open_follow_ups(conn, codes, activity_id)


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
    school: list[str] | None = typer.Option(
        None, "--school", "-s", help="รหัส ชื่อ หรือส่วนของชื่อโรงเรียน (ใส่ได้หลายครั้ง)", autocompletion=complete_school
    ),
    when: str = _date_option(),
    standard: list[str] | None = typer.Option(
        None,
        "--standard",
        help="มาตรฐาน เช่น 7.3 (ใส่ได้หลายครั้ง; ค่าเริ่มต้น: มาตรฐานที่มีเป้าหมายเป็นกลุ่มของโรงเรียน)",
        autocompletion=complete_standard,
    ),
    mode: str = typer.Option("onsite", "--mode", help="รูปแบบ: onsite (ลงพื้นที่), online (ออนไลน์), hybrid (ผสมผสาน)"),
    title: str | None = typer.Option(None, "--title", "-t", help="ชื่อกิจกรรม/เรื่องที่นิเทศ"),
    findings: str = typer.Option("", "--findings", help="ผลการนิเทศ"),
    suggestions: str = typer.Option("", "--suggestions", help="ข้อเสนอแนะ"),
    participants: str = typer.Option("", "--participants", help="ผู้รับการนิเทศ/ผู้เข้าร่วม"),
    teachers: int | None = typer.Option(None, "--teachers", min=0, help="จำนวนครูที่ได้รับการนิเทศ"),
    evidence: list[Path] | None = _evidence_option(),
    link: list[str] | None = _link_option(),
    caption: list[str] | None = _caption_option(),
    allow_future: bool = typer.Option(False, "--allow-future", help="ยอมให้บันทึกวันที่ในอนาคต"),
    follow_up: list[str] | None = typer.Option(
        None,
        "--follow-up",
        help="ข้อเสนอแนะที่ต้องติดตาม (ใส่ได้หลายครั้ง; หนึ่งรายการต่อข้อความต่อโรงเรียน)",
    ),
    check_by: str | None = typer.Option(
        None, "--check-by", help="ติดตามภายในวันที่ (รูปแบบเดียวกับ --date; ค่าเริ่มต้น: การนิเทศครั้งถัดไป)"
    ),
    close_follow_up: list[str] | None = typer.Option(
        None,
        "--close-follow-up",
        metavar="ID[:RESULT]",
        help='ปิดข้อเสนอแนะที่ติดตามในการนิเทศนี้ เช่น "12:จัดมุมหนังสือแล้ว" (ใส่ได้หลายครั้ง)',
    ),
    json_output: bool = _json_option(),
) -> None:
    """บันทึกการนิเทศโรงเรียน (พิมพ์หมายเลขรายการใหม่; --json: ทั้งรายการ)"""
    _record(
        ctx,
        kind="visit",
        standards=standard or [],
        schools=school or [],
        school_required=True,
        when=when,
        mode=mode,
        title=title,
        findings=findings,
        suggestions=suggestions,
        participants=participants,
        teachers=teachers,
        evidence=evidence,
        links=link,
        caption=caption,
        allow_future=allow_future,
        json_output=json_output,
        follow_ups=follow_up,
        check_by=check_by,
        close_follow_ups=close_follow_up,
    )


@app.command("log", cls=common.OrderedCommand)
def log(
    ctx: typer.Context,
    standards: list[str] | None = typer.Argument(None, help="มาตรฐาน เช่น 1.2 9.1", autocompletion=complete_standard),
    title: str | None = typer.Option(None, "--title", "-t", help="ชื่อกิจกรรม"),
    kind: str = typer.Option(
        "other", "--kind", "-k", help="ประเภท: meeting, training, report, media, website, research, visit, other"
    ),
    when: str = _date_option(),
    school: list[str] | None = typer.Option(
        None, "--school", "-s", help="โรงเรียนที่เกี่ยวข้อง (ใส่ได้หลายครั้ง)", autocompletion=complete_school
    ),
    mode: str = typer.Option("onsite", "--mode", help="รูปแบบ: onsite, online, hybrid"),
    findings: str = typer.Option("", "--findings", help="ผลการดำเนินงาน"),
    suggestions: str = typer.Option("", "--suggestions", help="ข้อเสนอแนะ"),
    participants: str = typer.Option("", "--participants", help="ผู้เข้าร่วม"),
    teachers: int | None = typer.Option(None, "--teachers", min=0, help="จำนวนครูที่เข้าร่วม"),
    evidence: list[Path] | None = _evidence_option(),
    link: list[str] | None = _link_option(),
    caption: list[str] | None = _caption_option(),
    allow_future: bool = typer.Option(False, "--allow-future", help="ยอมให้บันทึกวันที่ในอนาคต"),
    json_output: bool = _json_option(),
) -> None:
    """บันทึกกิจกรรมอื่น (อบรม ประชุม จัดทำรายงาน ปรับปรุงเว็บไซต์ …) ตามมาตรฐานหนึ่งข้อหรือมากกว่า"""
    _record(
        ctx,
        kind=kind,
        standards=standards or [],
        schools=school or [],
        school_required=False,
        when=when,
        mode=mode,
        title=title,
        findings=findings,
        suggestions=suggestions,
        participants=participants,
        teachers=teachers,
        evidence=evidence,
        links=link,
        caption=caption,
        allow_future=allow_future,
        json_output=json_output,
    )


# --- reading -----------------------------------------------------------------------------------------


@app.command("list")
def list_entries(
    ctx: typer.Context,
    year: str | None = typer.Option(None, "--year", "-y", help="ปีการศึกษา พ.ศ. เช่น 2569"),
    term: int | None = typer.Option(None, "--term", help="ภาคเรียน 1 หรือ 2 (ไม่ใส่ --year: ปีการศึกษาปัจจุบัน)"),
    since: str | None = typer.Option(None, "--from", help="ตั้งแต่วันที่"),
    until: str | None = typer.Option(None, "--to", help="ถึงวันที่"),
    standard: str | None = typer.Option(
        None, "--standard", help="มาตรฐาน เช่น 7.3 หรือทั้งเรื่อง เช่น 7", autocompletion=complete_standard
    ),
    school: str | None = typer.Option(
        None, "--school", "-s", help="โรงเรียน (รหัสหรือชื่อ)", autocompletion=complete_school
    ),
    kind: str | None = typer.Option(None, "--kind", "-k", help="ประเภทกิจกรรม เช่น visit, meeting"),
    search: str | None = typer.Option(None, "--search", help="คำในชื่อกิจกรรม ผลการนิเทศ หรือข้อเสนอแนะ"),
    limit: int = typer.Option(50, "--limit", "-n", min=0, help="แสดงกี่รายการ (ใหม่สุดก่อน)"),
    offset: int = typer.Option(0, "--offset", min=0, help="ข้ามกี่รายการแรก"),
    json_output: bool = _json_option(),
) -> None:
    """รายการที่บันทึกไว้ ใหม่สุดก่อน (วันที่เป็น พ.ศ.)"""
    from nitet_cli.clock import today
    from nitet_cli.dates import parse_date
    from nitet_cli.errors import InputError
    from nitet_cli.schools import resolve_school
    from nitet_cli.search import ActivityFilter, list_activities
    from nitet_cli.terms import check_year_term, current_term, get_term
    from nitet_cli.thai import to_arabic_digits

    conn = open_db(ctx)
    where = ActivityFilter(standard=standard, kind=kind, search=search, limit=limit, offset=offset)
    if year is not None or term is not None:
        if year is not None:
            digits = to_arabic_digits(year.strip())
            if not digits.isdigit():
                raise InputError(f"--year ต้องเป็นปีการศึกษา พ.ศ. เช่น 2569 ไม่ใช่ '{year}'")
            number = int(digits)
        else:
            number = current_term(conn, today()).year
        check_year_term(number, term or 1)
        if term is not None:
            chosen = get_term(conn, number, term)
            where.start, where.end = chosen.start, chosen.end
        else:
            where.start, where.end = get_term(conn, number, 1).start, get_term(conn, number, 2).end
    if since:
        day = parse_date(since)
        where.start = max(where.start, day) if where.start else day
    if until:
        day = parse_date(until)
        where.end = min(where.end, day) if where.end else day
    if school:
        where.school = resolve_school(conn, school).code
    page = list_activities(conn, where)
    if json_output:
        print_json({"total": page.total, "shown": len(page.rows), "offset": offset, "entries": page.rows})
        return
    if not page.rows:
        echo("ไม่พบรายการ" if page.total == 0 else f"ไม่มีรายการในช่วงนี้ (ทั้งหมด {page.total:,} รายการ)")
        return
    out = common.console()
    out.print(_entries_table(page.rows, out.width))
    first = offset + 1
    echo(f"แสดงรายการที่ {first:,}–{offset + len(page.rows):,} จากที่ตรงเงื่อนไข {page.total:,} รายการ (ใหม่สุดก่อน)")


#: Below this many columns ``list`` drops the kind and evidence columns, draws no side
#: borders and writes โรงเรียน as ร.ร., so that the date, the school and the title keep
#: room to be read (80 columns: about 14 for the school and 28 for the title).
LIST_WIDE = 100


def _school_names(schools: list[dict], narrow: bool) -> str:
    names = [s["name"] for s in schools]
    if narrow:
        names = ["ร.ร." + n[len("โรงเรียน") :].lstrip() if n.startswith("โรงเรียน") else n for n in names]
        if len(names) > 2:
            return f"{names[0]} และอีก {len(names) - 1} แห่ง"
    return ", ".join(names)


def _entries_table(rows: list[dict], width: int):
    """The entries as a table that fits ``width``: the date and standards whole, the school
    and the title wrapped (at spaces, and inside a run of Thai longer than the column),
    never cut to nothing."""
    from rich import box
    from rich.table import Table

    from nitet_cli.activities import KINDS
    from nitet_cli.thai import be_date_short

    narrow = width < LIST_WIDE
    table = Table(box=box.SIMPLE_HEAD if narrow else box.HEAVY_HEAD, show_edge=not narrow, title_justify="left")
    table.add_column("ID", justify="right", no_wrap=True)
    table.add_column("วันที่", no_wrap=True)
    if not narrow:
        table.add_column("ประเภท", no_wrap=True)
    table.add_column("มาตรฐาน", no_wrap=True)
    table.add_column("โรงเรียน", ratio=1, min_width=8, overflow="fold")
    table.add_column("ชื่อกิจกรรม", ratio=2, min_width=12, overflow="fold")
    if not narrow:
        table.add_column("หลักฐาน", justify="right", no_wrap=True)
    for row in rows:
        cells = [text(row["id"]), text(be_date_short(row["date"]))]
        if not narrow:
            cells.append(text(KINDS.get(row["kind"], row["kind"])))
        cells += [
            text(", ".join(row["standards"])),
            text(_school_names(row["schools"], narrow)),
            text(row["title"]),
        ]
        if not narrow:
            cells.append(text(row["evidence"]))
        table.add_row(*cells)
    return table


@app.command("show")
def show(
    ctx: typer.Context,
    activity_id: int = typer.Argument(..., metavar="ID", help="หมายเลขรายการ"),
    json_output: bool = _json_option(),
) -> None:
    """แสดงรายการหนึ่งรายการพร้อมหลักฐาน"""
    from nitet_cli.activities import KINDS, MODES, describe_activity
    from nitet_cli.thai import be_date

    entry = describe_activity(open_db(ctx), state(ctx).db_path, activity_id)
    if json_output:
        print_json(entry)
        return
    lines = [
        f"รายการที่ {entry['id']} ({entry['uuid']})",
        f"วันที่: {be_date(entry['date'])}"
        + (f" — ภาคเรียนที่ {entry['term']}/{entry['academic_year']}" if entry["term"] else " — ช่วงปิดภาคเรียน"),
        f"ประเภท: {KINDS.get(entry['kind'], entry['kind'])}  รูปแบบ: {MODES.get(entry['mode'], entry['mode'])}",
        f"ชื่อกิจกรรม: {entry['title']}",
    ]
    for sid, standard_text in entry["standard_texts"].items():
        lines.append(f"มาตรฐาน {sid}: {standard_text}")
    for s in entry["schools"]:
        lines.append(f"โรงเรียน: {s['name']} ({s['code']}) กลุ่ม {s['group'] or '-'}")
    if entry["teachers"] is not None:
        lines.append(f"ครู: {entry['teachers']} คน")
    for label, key in (("ผู้เข้าร่วม", "participants"), ("ผลการนิเทศ", "findings"), ("ข้อเสนอแนะ", "suggestions")):
        if entry[key]:
            lines.append(f"{label}: {entry[key]}")
    if entry["supervisor"]:
        lines.append(f"ผู้บันทึก: {entry['supervisor']}")
    for item in entry["evidence"]:
        lines.append(_evidence_line(item))
    for item in entry["follow_ups"]:
        state_text = item["status_label"] + (
            f" {be_date(item['closed_on'])}: {item['result']}" if item["closed_on"] else ""
        )
        lines.append(
            f"ติดตาม #{item['id']} {item['school_name']} ({follow_up_when(item)}): {item['text']} — {state_text}"
        )
    for line in lines:
        echo(line)


def _evidence_line(item: dict) -> str:
    caption = f" — {item['caption']}" if item["caption"] else ""
    if item["kind"] == "link":
        return f"หลักฐาน #{item['id']}: ลิงก์ {item['url']}{caption}"
    size = f"{item['size']:,} ไบต์" if item["size"] is not None else ""
    return f"หลักฐาน #{item['id']}: {item['original_name']} ({item['media_type']}, {size}){caption}"


# --- changing -----------------------------------------------------------------------------------------


@app.command("edit")
def edit(
    ctx: typer.Context,
    activity_id: int = typer.Argument(..., metavar="ID", help="หมายเลขรายการ"),
    when: str | None = typer.Option(None, "--date", "-d", help="วันที่ใหม่"),
    title: str | None = typer.Option(None, "--title", "-t", help="ชื่อกิจกรรมใหม่"),
    standard: list[str] | None = typer.Option(
        None, "--standard", help="มาตรฐาน (แทนที่ของเดิมทั้งหมด; ใส่ได้หลายครั้ง)", autocompletion=complete_standard
    ),
    school: list[str] | None = typer.Option(
        None, "--school", "-s", help="โรงเรียน (แทนที่ของเดิมทั้งหมด; ใส่ได้หลายครั้ง)", autocompletion=complete_school
    ),
    no_school: bool = typer.Option(False, "--no-school", help="ไม่ผูกกับโรงเรียนใด"),
    kind: str | None = typer.Option(None, "--kind", "-k", help="ประเภทกิจกรรม"),
    mode: str | None = typer.Option(None, "--mode", help="รูปแบบ: onsite, online, hybrid"),
    findings: str | None = typer.Option(None, "--findings", help="ผลการนิเทศ"),
    suggestions: str | None = typer.Option(None, "--suggestions", help="ข้อเสนอแนะ"),
    participants: str | None = typer.Option(None, "--participants", help="ผู้เข้าร่วม"),
    teachers: int | None = typer.Option(None, "--teachers", min=0, help="จำนวนครู"),
    allow_future: bool = typer.Option(False, "--allow-future", help="ยอมให้เป็นวันที่ในอนาคต"),
    json_output: bool = _json_option(),
) -> None:
    """แก้ไขรายการ (ตรวจแบบเดียวกับตอนบันทึก; บันทึกทั้งหมดหรือไม่บันทึกเลย)"""
    from nitet_cli.activities import ActivityChanges, update_activity
    from nitet_cli.dates import parse_date
    from nitet_cli.errors import InputError
    from nitet_cli.schools import resolve_school

    if school and no_school:
        raise InputError("ใช้ --school กับ --no-school พร้อมกันไม่ได้ — เลือกอย่างใดอย่างหนึ่ง")
    day = parse_date(when) if when is not None else None
    conn = open_db(ctx)
    codes = None
    if school:
        codes = [resolve_school(conn, s).code for s in school]
    elif no_school:
        codes = []
    changes = ActivityChanges(
        date=day,
        title=title,
        standards=list(standard) if standard else None,
        schools=codes,
        kind=kind,
        mode=mode,
        findings=findings,
        suggestions=suggestions,
        participants=participants,
        teachers=teachers,
    )
    entry = update_activity(conn, activity_id, changes, allow_future=allow_future)
    if json_output:
        from nitet_cli.activities import describe_activity

        print_json(describe_activity(conn, state(ctx).db_path, activity_id))
        return
    echo(f"แก้ไขรายการที่ {entry['id']} แล้ว")


@app.command("delete")
def delete(
    ctx: typer.Context,
    activity_id: int = typer.Argument(..., metavar="ID", help="หมายเลขรายการ"),
    yes: bool = typer.Option(False, "--yes", "-y", help="ลบโดยไม่ถาม (จำเป็นเมื่อรันจากสคริปต์)"),
    json_output: bool = _json_option(),
) -> None:
    """ลบรายการและหลักฐานของรายการ (ไฟล์ที่รายการอื่นใช้อยู่จะยังเก็บไว้)"""
    from nitet_cli.activities import delete_activity, get_activity
    from nitet_cli.errors import InputError
    from nitet_cli.thai import be_date

    conn = open_db(ctx)
    entry = get_activity(conn, activity_id)  # an unknown id is refused before asking
    if not yes:
        if not common.is_interactive():
            raise InputError(f"ไม่ได้ลบรายการที่ {activity_id} — ใส่ --yes เพื่อยืนยันการลบเมื่อรันจากสคริปต์")
        question = f"ลบรายการที่ {activity_id} '{entry['title']}' ({be_date(entry['date'])}) และหลักฐาน {len(entry['evidence'])} ชิ้น?"
        if not typer.confirm(common.terminal_safe(question), default=False):
            echo("ยกเลิก ไม่ได้ลบ", err=True)
            raise typer.Exit(1)
    result = delete_activity(conn, state(ctx).db_path, activity_id)
    if json_output:
        print_json(result.as_dict())
        return
    echo(
        f"ลบรายการที่ {result.id} แล้ว (หลักฐาน {result.evidence_rows} ชิ้น; ลบไฟล์ {result.files_removed},"
        f" เก็บไฟล์ที่รายการอื่นใช้ {result.files_kept})"
    )


# --- evidence ---------------------------------------------------------------------------------------


@evidence_app.command("add")
def evidence_add(
    ctx: typer.Context,
    activity_id: int = typer.Argument(..., metavar="ID", help="หมายเลขรายการ"),
    targets: list[str] = typer.Argument(..., metavar="PATH|URL...", help="ไฟล์ หรือลิงก์ https://…"),
    caption: list[str] | None = _caption_option(),
    json_output: bool = _json_option(),
) -> None:
    """เพิ่มหลักฐาน (ไฟล์หรือลิงก์) ให้รายการที่บันทึกแล้ว (--caption ครั้งเดียว: ทุกชิ้น; เท่าจำนวนชิ้น: ตามลำดับ)"""
    from nitet_cli.activities import EvidenceInput, add_evidence, list_evidence
    from nitet_cli.errors import InputError

    captions = list(caption or [])
    if len(captions) > 1 and len(captions) != len(targets):
        raise InputError(
            f"ได้คำบรรยาย {len(captions)} ข้อสำหรับหลักฐาน {len(targets)} ชิ้น — ใส่ --caption ครั้งเดียว (ใช้กับทุกชิ้น)"
            " หรือเท่าจำนวนไฟล์และลิงก์ (ตามลำดับ)"
        )
    texts = captions if len(captions) > 1 else [captions[0] if captions else ""] * len(targets)
    items = [
        EvidenceInput(url=t, caption=text) if "://" in t else EvidenceInput(path=Path(t), caption=text)
        for t, text in zip(targets, texts)
    ]  # in the order given
    conn = open_db(ctx)
    ids = add_evidence(conn, state(ctx).db_path, activity_id, items)
    if json_output:
        print_json([e for e in list_evidence(conn, state(ctx).db_path, activity_id) if e["id"] in ids])
        return
    for evidence_id in ids:
        echo(str(evidence_id))


@evidence_app.command("list")
def evidence_list(
    ctx: typer.Context,
    activity_id: int = typer.Argument(..., metavar="ID", help="หมายเลขรายการ"),
    json_output: bool = _json_option(),
) -> None:
    """หลักฐานของรายการ"""
    from nitet_cli.activities import list_evidence

    items = list_evidence(open_db(ctx), state(ctx).db_path, activity_id)
    if json_output:
        print_json(items)
        return
    if not items:
        echo(f"รายการที่ {activity_id} ยังไม่มีหลักฐาน — เพิ่มด้วย 'nitet evidence add {activity_id} FILE'")
        return
    for item in items:
        echo(_evidence_line(item))


@evidence_app.command("open")
def evidence_open(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(..., metavar="EVIDENCE_ID", help="หมายเลขหลักฐาน"),
    json_output: bool = _json_option(),
) -> None:
    """พิมพ์ที่อยู่ของไฟล์หลักฐานในที่เก็บ (หรือลิงก์) เช่น xdg-open "$(nitet evidence open 7)\""""
    from nitet_cli.activities import get_evidence
    from nitet_cli.errors import NotFoundError

    item = get_evidence(open_db(ctx), state(ctx).db_path, evidence_id)
    if item["kind"] == "file" and not Path(item["path"]).exists():
        raise NotFoundError(
            f"ไฟล์ของหลักฐานที่ {evidence_id} ({item['original_name']}) หายไปจากที่เก็บ {item['path']} — ตรวจด้วย 'nitet doctor'"
        )
    if json_output:
        print_json(item)
        return
    echo(item["path"] if item["kind"] == "file" else item["url"])


@evidence_app.command("remove")
def evidence_remove(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(..., metavar="EVIDENCE_ID", help="หมายเลขหลักฐาน"),
    yes: bool = typer.Option(False, "--yes", "-y", help="ลบโดยไม่ถาม (จำเป็นเมื่อรันจากสคริปต์)"),
    json_output: bool = _json_option(),
) -> None:
    """เอาหลักฐานชิ้นหนึ่งออกจากรายการ (ไฟล์ที่รายการอื่นใช้อยู่จะยังเก็บไว้)"""
    from nitet_cli.activities import get_evidence, remove_evidence
    from nitet_cli.errors import InputError

    conn = open_db(ctx)
    item = get_evidence(conn, state(ctx).db_path, evidence_id)
    if not yes:
        if not common.is_interactive():
            raise InputError(f"ไม่ได้ลบหลักฐานที่ {evidence_id} — ใส่ --yes เพื่อยืนยันการลบเมื่อรันจากสคริปต์")
        if not typer.confirm(
            common.terminal_safe(f"ลบ{_evidence_line(item)} ของรายการที่ {item['activity_id']}?"), default=False
        ):
            echo("ยกเลิก ไม่ได้ลบ", err=True)
            raise typer.Exit(1)
    removed = remove_evidence(conn, state(ctx).db_path, evidence_id)
    if json_output:
        print_json(removed)
        return
    echo(f"ลบหลักฐานที่ {evidence_id} ออกจากรายการที่ {removed['activity_id']} แล้ว")
