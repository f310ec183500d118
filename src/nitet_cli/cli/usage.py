"""Click's usage errors in Thai: one sentence naming the option and what would be right.

Typer parses the command line with its own copy of click, whose messages are English
(``Option '-t' requires an argument.``). The root group (cli.common.NitetGroup) hands
every click exception it catches to :func:`describe_click_error`, which reads what
click's exception classes document — their class names, ``param``, ``option_name``,
``possibilities``, ``ctx`` — and says the same in Thai. Only typer's public names are
used (``typer.TyperException``, the base of click's exceptions in typer); nothing is
imported from typer's private modules.
"""

from __future__ import annotations

import ast
import difflib
import re

from nitet_cli.errors import EXIT_INPUT


def _kinds(error: Exception) -> set[str]:
    return {k.__name__ for k in type(error).__mro__}


def _command(error: Exception) -> tuple[str, object | None]:
    """The command line that failed (``nitet log-visit``) and its command, when known."""
    ctx = getattr(error, "ctx", None)
    if ctx is not None:
        return ctx.command_path, ctx.command
    return getattr(error, "nitet_command", ("nitet", None))


def _help_hint(path: str) -> str:
    return f"ดูวิธีใช้ด้วย '{path} --help'"


def _param_name(param) -> str:
    if getattr(param, "param_type_name", "") == "option" and param.opts:
        return max(param.opts, key=len)  # the long name: --limit rather than -n
    return (param.human_readable_name or "").upper()


def _param_help(param) -> str:
    help_text = (getattr(param, "help", None) or "").strip()
    return f" ({help_text})" if help_text else ""


def _option_help(command, option: str) -> str:
    for param in getattr(command, "params", None) or []:
        if option in (getattr(param, "opts", None) or []) or option in (getattr(param, "secondary_opts", None) or []):
            return _param_help(param)
    return ""


def _quoted(value: str) -> str:
    return f"'{value}'"


def _literal(text: str) -> str:
    """What was typed, from click's ``repr`` of it in a message (``'\\x1bparty'`` -> the text)."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return value if isinstance(value, str) else text


def _bad_value(error, path: str) -> str:
    """A value click could not convert: a number that is not one, a choice not offered …"""
    param = error.param
    name = _param_name(param)
    kind = getattr(param.type, "name", "")
    found = re.match(r"(.*?) is not (?:a valid|in the range|one of)", error.message or "", re.S)
    given = f" ไม่ใช่ {found.group(1)}" if found else ""
    if "range" in kind and "is not in the range" in (error.message or ""):
        low, high = getattr(param.type, "min", None), getattr(param.type, "max", None)
        if low is not None and high is not None:
            bounds = f"อยู่ระหว่าง {low} ถึง {high}"
        elif low is not None:
            bounds = f"ไม่น้อยกว่า {low}"
        else:
            bounds = f"ไม่เกิน {high}"
        return f"{name} ต้อง{bounds}{given} — {_help_hint(path)}"
    if kind.startswith("int"):  # click names them "integer", "int range" …
        return f"{name} ต้องเป็นจำนวนเต็ม เช่น 2{given}{_param_help(param)}"
    if kind.startswith("float"):
        return f"{name} ต้องเป็นตัวเลข เช่น 2.5{given}{_param_help(param)}"
    if kind == "choice":
        words = [str(c) for c in getattr(param.type, "choices", ())]
        from nitet_cli.cli.choices import Choice

        choice = Choice.matching(words)
        if choice is not None and found:  # one of nitet's own choices: its own sentence
            return choice.refusal(_literal(found.group(1)), name)
        return f"{name} ต้องเป็นหนึ่งใน {', '.join(words)}{given}"
    if kind == "boolean":
        return f"{name} ต้องเป็น true หรือ false{given}"
    return f"ค่าของ {name} ใช้ไม่ได้ ({error.message}) — {_help_hint(path)}"


def _missing(error, path: str) -> str:
    param = error.param
    if param is None:
        return f"ขาดค่าที่ต้องระบุ — {_help_hint(path)}"
    name = _param_name(param)
    if getattr(param, "param_type_name", "") == "option":
        return f"ต้องใส่ตัวเลือก {name}{_param_help(param)} เช่น {name} ค่า — {_help_hint(path)}"
    return f"ต้องใส่ {name}{_param_help(param)} ต่อท้ายคำสั่ง '{path}' — {_help_hint(path)}"


def _unknown_command(error, path: str, command) -> str:
    found = re.match(r"No such command (.+?)\.(?: Did you mean |$)", error.message or "", re.S)
    typed = ""
    if found:
        typed = _literal(found.group(1))
    names = []
    if command is not None and hasattr(command, "list_commands"):
        names = list(command.list_commands(error.ctx))
    close = difflib.get_close_matches(typed, names, n=3, cutoff=0.5) if typed else []
    hint = f" — หมายถึง {' หรือ '.join(close)} หรือไม่" if close else ""
    return f"ไม่มีคำสั่ง {_quoted(typed)} ใน '{path}'{hint} ({_help_hint(path)})"


def describe_click_error(error: Exception) -> tuple[str | None, int]:
    """The Thai sentence for one of click's exceptions and the exit code; ``(None, code)``
    for the help that a group named without a command shows instead of an error."""
    kinds = _kinds(error)
    code = getattr(error, "exit_code", EXIT_INPUT)
    if "NoArgsIsHelpError" in kinds:
        return None, code
    if "UsageError" not in kinds:  # e.g. a file click could not open
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        return f"{message}", code
    path, command = _command(error)
    message = error.message or ""
    if "MissingParameter" in kinds:
        return _missing(error, path), EXIT_INPUT
    if "BadParameter" in kinds and getattr(error, "param", None) is not None:
        return _bad_value(error, path), EXIT_INPUT
    if "NoSuchOption" in kinds:
        option = error.option_name
        close = sorted(getattr(error, "possibilities", None) or [])
        hint = f" — หมายถึง {' หรือ '.join(close)} หรือไม่" if close else ""
        return f"คำสั่ง '{path}' ไม่มีตัวเลือก {option}{hint} ({_help_hint(path)})", EXIT_INPUT
    if "BadOptionUsage" in kinds:
        option = error.option_name
        if "does not take a value" in message:
            return f"ตัวเลือก {option} ไม่รับค่า — ใส่ {option} เฉย ๆ ({_help_hint(path)})", EXIT_INPUT
        return (
            f'ตัวเลือก {option}{_option_help(command, option)} ต้องมีค่าตามหลัง เช่น {option} "ค่า" — {_help_hint(path)}',
            EXIT_INPUT,
        )
    if message.startswith("Got unexpected extra argument"):
        found = re.search(r"argument\(s\) \((.*)\)\s*$", message, re.S)
        extra = found.group(1) if found else message
        return (
            f"มีค่าเกินมา: {extra} — คำสั่ง '{path}' ไม่รับค่านี้ (ข้อความที่มีช่องว่างต้องอยู่ในเครื่องหมายคำพูด เช่น --title \"ประชุม ครู\")",
            EXIT_INPUT,
        )
    if message.startswith("No such command"):
        return _unknown_command(error, path, command), EXIT_INPUT
    if message.startswith("Missing command"):
        return f"ต้องระบุคำสั่งย่อยต่อจาก '{path}' — {_help_hint(path)}", EXIT_INPUT
    return f"ใช้คำสั่งไม่ถูกต้อง ({message}) — {_help_hint(path)}", EXIT_INPUT
