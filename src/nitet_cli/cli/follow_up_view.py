"""How a follow-up (ข้อเสนอแนะที่ต้องติดตาม) is shown on the terminal, by every command that
shows one: ``follow-up list``, ``school show``, ``due``, ``show`` and ``log-visit``. No
commands here, so that showing a follow-up loads no other command's module."""

from __future__ import annotations

from nitet_cli.cli.common import text


def due_text(item: dict) -> str:
    """When an item is to be checked, for a table: its date, or the next visit (with that
    visit's date once there is one)."""
    from nitet_cli.follow_ups import NEXT_VISIT_LABEL
    from nitet_cli.thai import be_date_short

    if item["check_by"]:
        return be_date_short(item["check_by"])
    if item["due_on"]:
        return f"{NEXT_VISIT_LABEL} ({be_date_short(item['due_on'])})"
    return NEXT_VISIT_LABEL


def status_text(item: dict):
    """The status as a rich Text (overdue in red): never parsed as markup."""
    from nitet_cli.follow_ups import OVERDUE_LABEL

    if item["overdue"]:
        return text(f"{item['status_label']} — {OVERDUE_LABEL}", "bold red")
    return text(item["status_label"], "green" if item["status"] == "done" else None)


def follow_up_table(items: list[dict], *, with_school: bool = True, title: str | None = None):
    """A rich table of follow-ups; every user text goes in through text(), so '[red]' stays
    text and a control character shows as an escape."""
    from rich.table import Table

    from nitet_cli.thai import be_date_short

    table = Table(title=text(title) if title else None, title_justify="left")
    table.add_column("ID", justify="right", no_wrap=True)
    if with_school:
        table.add_column("โรงเรียน", overflow="fold")
    table.add_column("วันที่ให้", no_wrap=True)
    table.add_column("ติดตามภายใน", overflow="fold")
    table.add_column("ข้อเสนอแนะ", overflow="fold")  # Thai has no spaces to wrap at: fold, never cut
    table.add_column("สถานะ", overflow="fold")
    table.add_column("ผลการติดตาม", overflow="fold")
    table.add_column("วันที่ปิด", no_wrap=True)
    for item in items:
        cells = [text(item["id"])]
        if with_school:
            cells.append(text(item["school_name"]))
        cells += [
            text(be_date_short(item["given_on"])),
            text(due_text(item)),
            text(item["text"]),
            status_text(item),
            text(item["result"]),
            text(be_date_short(item["closed_on"])),
        ]
        table.add_row(*cells)
    return table


def follow_up_when(item: dict) -> str:
    """'ให้เมื่อ 15 มิ.ย. 2569, ติดตามภายใน 31 ก.ค. 2569 (เลยกำหนด)' for one follow-up."""
    from nitet_cli.follow_ups import NEXT_VISIT_LABEL, OVERDUE_LABEL
    from nitet_cli.thai import be_date_short

    due = be_date_short(item["check_by"]) if item["check_by"] else NEXT_VISIT_LABEL
    late = f" ({OVERDUE_LABEL})" if item["overdue"] else ""
    return f"ให้เมื่อ {be_date_short(item['given_on'])}, ติดตามภายใน {due}{late}"
