"""``nitet term set|show``."""

from typing import Annotated

import typer

from nitet_cli.cli.common import JsonOption, NitetGroup, echo, open_db, print_json

app = typer.Typer()  # this module's commands; the root group (nitet_cli.cli) loads them when used

term_app = typer.Typer(
    cls=NitetGroup, help="ภาคเรียนและปีการศึกษา (พ.ศ.): กำหนดวันตามที่เขตประกาศ และดูว่าวันใดอยู่ภาคเรียนใด", no_args_is_help=True
)
app.add_typer(term_app, name="term")


def _describe(term) -> str:
    from nitet_cli.thai import be_date

    source = "ตามที่กำหนด" if term.announced else "ค่าเริ่มต้น"
    return f"ภาคเรียนที่ {term.term}/{term.year}: {be_date(term.start)} – {be_date(term.end)} ({source})"


@term_app.command("set")
def term_set(
    ctx: typer.Context,
    year: Annotated[str, typer.Argument(help="ปีการศึกษา พ.ศ. เช่น 2569")],
    term: Annotated[int, typer.Argument(help="ภาคเรียน 1 หรือ 2")],
    start: Annotated[str, typer.Option("--start", help="วันเปิดภาคเรียน เช่น 16/5/2569")],
    end: Annotated[str, typer.Option("--end", help="วันปิดภาคเรียน เช่น 10/10/2569")],
    json_output: JsonOption = False,
) -> None:
    """กำหนดวันเปิด–ปิดภาคเรียนตามที่เขตประกาศ (แทนค่าเริ่มต้น)"""
    from nitet_cli.dates import parse_date
    from nitet_cli.errors import InputError
    from nitet_cli.terms import check_year_term, set_term
    from nitet_cli.thai import to_arabic_digits

    digits = to_arabic_digits(year.strip())
    if not digits.isdigit():
        raise InputError(f"ปีการศึกษาต้องเป็นปีพุทธศักราช เช่น 2569 ไม่ใช่ '{year}'")
    number = int(digits)
    check_year_term(number, term)
    stored = set_term(open_db(ctx), number, term, parse_date(start), parse_date(end))
    if json_output:
        print_json(stored.as_dict())
        return
    echo(f"กำหนด{_describe(stored)}")


@term_app.command("show")
def term_show(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="วันที่ (ค่าเริ่มต้น: วันนี้) เช่น 15/6/2569")] = None,
    json_output: JsonOption = False,
) -> None:
    """บอกว่าวันที่อยู่ในภาคเรียนใดของปีการศึกษาใด"""
    from nitet_cli.clock import today
    from nitet_cli.dates import parse_date
    from nitet_cli.terms import current_term, term_of
    from nitet_cli.thai import be_date

    when = parse_date(day) if day else today()
    conn = open_db(ctx)
    term = term_of(conn, when)
    if json_output:
        data = {"date": when.isoformat(), "in_term": term is not None}
        if term is not None:
            data.update(term.as_dict())
        else:
            data["last_term"] = current_term(conn, when).as_dict()
        print_json(data)
        return
    if term is None:
        last = current_term(conn, when)
        echo(f"{be_date(when)} อยู่ในช่วงปิดภาคเรียน (ภาคเรียนล่าสุด: {_describe(last)})")
        return
    echo(f"{be_date(when)} อยู่ใน{_describe(term)}")
