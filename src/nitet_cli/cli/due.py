"""``nitet due``: what is due this term — schools behind their visit targets, follow-ups
overdue and due soon, and the pace still needed."""

from typing import Annotated

import typer

from nitet_cli.cli.common import JsonOption, TermOption, YearOption, open_db, print_json, terminal_safe

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used


@app.command()
def due(
    ctx: typer.Context,
    term: TermOption = None,
    year: YearOption = None,
    json_output: JsonOption = False,
    fail_on_overdue: Annotated[
        bool, typer.Option("--fail-on-overdue", help="จบด้วยรหัส 1 เมื่อมีข้อเสนอแนะที่เลยกำหนดติดตาม (สำหรับ cron)")
    ] = False,
) -> None:
    """สิ่งที่ต้องทำในภาคเรียน เร่งด่วนก่อน: โรงเรียนที่ยังนิเทศไม่ถึงเป้าหมาย (ยังไม่ได้นิเทศเลยก่อน)
    ข้อเสนอแนะที่เลยกำหนดและที่ครบกำหนดใน ๑๔ วัน และจำนวนครั้งต่อสัปดาห์ที่ยังต้องนิเทศ"""
    from nitet_cli.clock import today
    from nitet_cli.due import due as due_data
    from nitet_cli.errors import EXIT_GAP
    from nitet_cli.progress import resolve_term

    conn = open_db(ctx)
    now = today()
    data = due_data(conn, resolve_term(conn, now, year, term), now)
    if json_output:
        print_json(data)
    else:
        _print_due(data)
    if fail_on_overdue and data["overdue"]:
        raise typer.Exit(EXIT_GAP)


def _number(value: float) -> str:
    """``2.0`` → ``2``, ``2.25`` → ``2.3``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def pace_text(needed: int, weeks: float) -> str:
    """The pace of one school, as a person would plan it."""
    import math

    if weeks <= 0:
        return "ภาคเรียนสิ้นสุดแล้ว"
    if needed >= weeks:
        return f"สัปดาห์ละ {_number(needed / weeks)} ครั้ง"
    return f"อย่างน้อยทุก {max(1, math.floor(weeks / needed))} สัปดาห์"


def _since(school: dict) -> str:
    from nitet_cli.thai import be_date_short

    if school["last_visit"] is None:
        return "ยังไม่เคยนิเทศ"
    days = school["days_since"]
    when = "วันนี้" if days == 0 else f"{days} วันก่อน" if days > 0 else f"อีก {-days} วัน"
    return f"ครั้งล่าสุด {be_date_short(school['last_visit'])} ({when})"


def _follow_up_line(item: dict, today: str) -> str:
    from datetime import date

    from nitet_cli.cli.follow_up_view import due_text
    from nitet_cli.thai import be_date_short

    days = (date.fromisoformat(today) - date.fromisoformat(item["due_on"])).days
    when = f"เลยกำหนด {days} วัน" if days > 0 else "วันนี้" if days == 0 else f"อีก {-days} วัน"
    return (
        f"  {item['id']:>6}  {item['school_name']} ({item['school_code']})  ติดตามภายใน {due_text(item)} [{when}]"
        f"  ให้ไว้ {be_date_short(item['given_on'])}: {item['text']}"
    )


def _print_due(data: dict) -> None:
    """Plain lines, never markup (a school or a suggestion '[red]' stays text; a control
    character shows as an escape), and no rich table: a national database can list thousands
    of schools."""
    import sys

    from nitet_cli.thai import be_date_short

    t, summary = data["term"], data["summary"]
    weeks = data["weeks_left"]
    lines = [
        f"สิ่งที่ต้องทำ ภาคเรียนที่ {t['term']}/{t['year']} ({be_date_short(t['start'])} – {be_date_short(t['end'])}"
        f"{'' if t['announced'] else ', วันที่ตามค่าเริ่มต้น'}) วันนี้ {be_date_short(data['today'])}:"
        + (f" เหลือ {_number(weeks)} สัปดาห์ ({data['school_days_left']} วันทำการ)" if weeks else " ภาคเรียนสิ้นสุดแล้ว"),
        "",
    ]
    schools = data["schools"]
    if schools:
        lines.append(
            f"โรงเรียนที่ยังนิเทศไม่ถึงเป้าหมาย {len(schools)} โรง"
            + (
                f" (ยังไม่ได้นิเทศในภาคเรียนนี้ {summary['schools_not_visited']} โรง อยู่ก่อน)"
                if summary["schools_not_visited"]
                else ""
            )
        )
        for s in schools:
            targets = ", ".join(f"{x['standard']} {x['visits']}/{x['target']}" for x in s["targets"])
            state = "ยังไม่ได้นิเทศ: " if not s["visited_this_term"] else ""
            lines.append(
                f"  {s['code']:<10} {s['name']} [{s['group'] or '-'}]  {targets}"
                f"  {state}อีก {s['needed']} ครั้ง {pace_text(s['needed'], weeks)} — {_since(s)}"
            )
    else:
        lines.append("ทุกโรงเรียนนิเทศถึงเป้าหมายของภาคเรียนนี้แล้ว")
    lines.append("")
    overdue, soon = data["overdue"], data["due_soon"]
    if overdue:
        lines.append(f"ข้อเสนอแนะที่เลยกำหนดติดตาม {len(overdue)} รายการ (ปิดด้วย 'nitet follow-up close ID --result \"…\"')")
        lines.extend(_follow_up_line(item, data["today"]) for item in overdue)
    else:
        lines.append("ไม่มีข้อเสนอแนะที่เลยกำหนดติดตาม")
    if soon:
        lines.append(f"ข้อเสนอแนะที่ครบกำหนดติดตามใน {data['within_days']} วัน {len(soon)} รายการ")
        lines.extend(_follow_up_line(item, data["today"]) for item in soon)
    else:
        lines.append(f"ไม่มีข้อเสนอแนะที่ครบกำหนดติดตามใน {data['within_days']} วัน")
    lines.append("")
    lines.append(summary_line(data))
    out = sys.stdout
    out.write(terminal_safe("\n".join(lines)) + "\n")
    out.flush()


def summary_line(data: dict) -> str:
    """One line: schools behind, visits still needed, weeks left, visits a week; follow-ups."""
    s = data["summary"]
    if s["schools_behind"]:
        head = f"สรุป: ยังไม่ถึงเป้าหมาย {s['schools_behind']} โรง ต้องนิเทศอีก {s['visits_needed']} ครั้ง"
        if s["per_week"] is not None:
            head += f" ใน {_number(s['weeks_left'])} สัปดาห์ — สัปดาห์ละ {_number(s['per_week'])} ครั้ง"
        else:
            head += " (ภาคเรียนสิ้นสุดแล้ว)"
    else:
        head = "สรุป: ทุกโรงเรียนถึงเป้าหมาย"
        if s["weeks_left"]:
            head += f" เหลือ {_number(s['weeks_left'])} สัปดาห์"
    return (
        head + f"; ข้อเสนอแนะเลยกำหนด {s['overdue']} รายการ ครบกำหนดใน {data['within_days']} วัน {s['due_soon']} รายการ"
    )
