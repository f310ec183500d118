"""Help pages as a Thai reader needs them; loaded only when a help page is shown.

Click writes help pages with its ``HelpFormatter`` (reached here through typer's public
``typer.Context.formatter_class``, never a private module). Four things it does not do for Thai:

- its headings (``Usage:``, ``Options``, ``Commands``, ``Arguments``), the usage line's ``[OPTIONS]``
  and ``COMMAND [ARGS]...`` (:data:`USAGE_WORDS`), and the notes after an
  option's help (``[default: …]``, a number's range ``x>=0``) go through gettext, which has no Thai
  catalogue, or none, and Typer names the kind of value an option takes in English (``<str>``):
  :class:`Formatter` writes them in Thai (:data:`HEADINGS`, :data:`NOTES`, :data:`BOUNDS`, :data:`VALUES`);
- the options click and Typer add by themselves (``-h/--help``, ``--install-completion``,
  ``--show-completion``) carry English help: :func:`help_page` gives them Thai help first;
- it never wraps narrower than 50 columns, so in a terminal of 40 the terminal itself cuts every
  long line anywhere, inside an option's name or a Thai word: :class:`Formatter` wraps to the
  terminal's own width (click's width from 52 columns up, as before);
- it measures text in characters and cuts a space-free stretch longer than its column at any
  character. Thai is written without spaces between words (a space ends a phrase), and its vowels
  and tone marks take no column of their own. :class:`Formatter` measures terminal cells, breaks at
  spaces only, and where the column is narrow gives each option's help the page's width on the
  lines below the option instead of a sliver beside it. A stretch still wider than the line (none
  of nitet's own help texts at 40 columns) is broken between two Thai letters' clusters, never
  between a consonant and its vowel or tone mark: telling words apart inside a stretch takes a Thai
  dictionary, which neither click, Typer nor rich has.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sys

import typer
from rich.cells import cell_len

#: Thai help of the options click and Typer add themselves, by parameter name. The completion
#: options take a flag (the shell in use) or, when Typer cannot tell the shell, its name.
OWN_OPTIONS = {
    "help": ("แสดงวิธีใช้นี้แล้วจบ", "แสดงวิธีใช้นี้แล้วจบ"),
    "install_completion": (
        "ติดตั้งการเติมคำสั่งด้วยปุ่ม Tab ให้เชลล์ที่ใช้อยู่ (แล้วเปิดเทอร์มินัลใหม่)",
        "ติดตั้งการเติมคำสั่งด้วยปุ่ม Tab ให้เชลล์ที่ระบุ (แล้วเปิดเทอร์มินัลใหม่)",
    ),
    "show_completion": (
        "แสดงสคริปต์เติมคำสั่งของเชลล์ที่ใช้อยู่ ไว้คัดลอกหรือติดตั้งเอง",
        "แสดงสคริปต์เติมคำสั่งของเชลล์ที่ระบุ ไว้คัดลอกหรือติดตั้งเอง",
    ),
}


def help_page(ctx: typer.Context) -> str:
    """The help page of ``ctx``'s command (what click's ``Context.get_help`` gives), in Thai."""
    for param in ctx.command.get_params(ctx):
        texts = OWN_OPTIONS.get(param.name or "")
        if texts is not None and getattr(param, "help", None) is not None:
            param.help = texts[0] if getattr(param, "is_flag", False) else texts[1]
    return ctx.command.get_help(ctx)


# --- wrapping --------------------------------------------------------------------------------------

#: Click's own margin and narrowest page; below that many columns the page follows the terminal.
CLICK_NARROWEST = 50
#: The narrowest page made at all (a terminal narrower than this wraps it itself).
NARROWEST = 20
#: An option's help is written beside it only when that leaves it this many cells a line.
HELP_BESIDE = 36

# A Thai character that belongs to the cluster before it (a vowel written above, below or after
# its consonant, a tone mark, the repetition mark …): never the first of a line.
_FOLLOWS = re.compile("[\u0e30-\u0e3a\u0e45-\u0e4e]")
# A vowel written before its consonant (เ แ โ ใ ไ): never the last of a line.
_LEADS = re.compile("[\u0e40-\u0e44]")


def _break_allowed(word: str, at: int) -> bool:
    """A line may end before ``word[at]``: never inside a Thai cluster."""
    return not _FOLLOWS.match(word[at]) and not _LEADS.match(word[at - 1])


def _pieces(word: str, width: int) -> list[str]:
    """``word`` in pieces of at most ``width`` cells, each cut where a cluster ends."""
    pieces, start = [], 0
    while cell_len(word[start:]) > width:
        end, best = start + 1, None
        while end < len(word) and cell_len(word[start:end]) <= width:
            if _break_allowed(word, end):
                best = end
            end += 1
        if best is None:  # one cluster wider than the line: as it is
            best = next((i for i in range(start + 1, len(word)) if _break_allowed(word, i)), len(word))
        pieces.append(word[start:best])
        start = best
    pieces.append(word[start:])
    return pieces


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """One paragraph as lines of at most ``width`` cells (indents included), broken at spaces."""
    lines: list[str] = []
    line, indent = "", first
    for word in text.split():
        room = width - cell_len(indent)
        for piece in _pieces(word, max(room, 1)) if cell_len(word) > room else [word]:
            candidate = f"{line} {piece}" if line else piece
            if line and cell_len(candidate) > room:
                lines.append(indent + line)
                line, indent = piece, rest
                room = width - cell_len(indent)
            else:
                line = candidate
    lines.append(indent + line)
    return lines


def _paragraphs(text: str) -> list[tuple[bool, str]]:
    """Click's paragraphs: separated by an empty line; one starting with a line ``\\b`` is kept as written."""
    found = []
    for block in re.split(r"\n\s*\n", text.strip("\n")):
        lines = block.splitlines()
        if lines and lines[0].strip() == "\b":
            found.append((True, "\n".join(lines[1:])))
        else:
            found.append((False, " ".join(line.strip() for line in lines)))
    return found


def wrap_paragraphs(text: str, width: int, first: str = "", rest: str = "") -> str:
    out = []
    for keep, paragraph in _paragraphs(text):
        if keep:
            out.append("\n".join(rest + line for line in paragraph.splitlines()))
        else:
            out.append("\n".join(wrap(paragraph, width, first, rest)))
        first = rest
    return "\n\n".join(out)


#: Click's headings in Thai: the usage line's prefix, and the sections of a help page.
USAGE = "วิธีใช้:"
#: The placeholders of click's usage line (``nitet [OPTIONS] COMMAND [ARGS]...``), in Thai.
USAGE_WORDS = {"[OPTIONS]": "[ตัวเลือก]", "COMMAND [ARGS]...": "คำสั่ง [ค่าที่ระบุ]..."}
HEADINGS = {"Options": "ตัวเลือก", "Commands": "คำสั่ง", "Arguments": "ค่าที่ระบุ"}
#: The notes click and Typer put in brackets after an option's help (``[env var: NITET_DB;
#: default: today; required]``), in Thai.
NOTES = {"env var: ": "ตัวแปรสภาพแวดล้อม: ", "default: ": "ค่าเริ่มต้น: ", "required": "ต้องระบุ"}
#: What Typer writes after an option for the kind of value it takes (``--school <str>``), in Thai.
VALUES = {"<str>": "<ข้อความ>", "<int>": "<ตัวเลข>", "<int range>": "<ตัวเลข>", "<path>": "<ไฟล์>"}


#: The range of a number option (click's ``x>=0``, ``1<=x<=5``) in words, as its error says it.
BOUNDS = {">=": "ไม่น้อยกว่า", ">": "มากกว่า", "<=": "ไม่เกิน", "<": "น้อยกว่า"}
_RANGE = re.compile(r"(?:(-?[\d.]+)(<=?))?x(?:([<>]=?)(-?[\d.]+))?")


def thai_range(part: str) -> str:
    """Click's note of a number option's range (``x>=0``, ``0<=x<5``) in Thai; other notes as they are."""
    found = _RANGE.fullmatch(part)
    if found is None or part == "x":
        return part
    low, low_op, op, bound = found.groups()
    words = [f"{BOUNDS[low_op.replace('<', '>')]} {low}"] if low else []
    if op:
        words.append(f"{BOUNDS[op]} {bound}")
    return " และ".join(words)


def thai_notes(definition: str) -> str:
    """``definition`` with the bracketed notes at its end in Thai (other text as it is)."""
    found = re.search(r"\[([^\[\]]*)\]$", definition)
    if found is None:
        return definition
    parts = []
    for part in found.group(1).split("; "):
        english = next((word for word in NOTES if part.startswith(word)), None)
        parts.append(thai_range(part) if english is None else NOTES[english] + part[len(english) :])
    return f"{definition[: found.start()]}[{'; '.join(parts)}]"


def thai_values(term: str) -> str:
    """An option's names and value (``-s, --school <str>``) with the kind of value in Thai."""
    return re.sub(r"<[a-z][a-z ]*>", lambda found: VALUES.get(found.group(0), found.group(0)), term)


class Formatter(typer.Context.formatter_class):
    """Click's help formatter, in Thai and wrapping as this module's docstring says."""

    def __init__(self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None) -> None:
        super().__init__(indent_increment, width, max_width)
        if width is None and self.width == CLICK_NARROWEST:  # click's floor, not the terminal's width
            columns = shutil.get_terminal_size().columns
            if columns - 2 < CLICK_NARROWEST:  # every column: a terminal ends a full line without a blank one
                self.width = max(columns, NARROWEST)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """Click's usage line, its placeholders in Thai (:data:`USAGE_WORDS`), broken at spaces
        only: click cut ``[OPTIONS]`` in two below 30 columns."""
        for english, thai in USAGE_WORDS.items():
            args = args.replace(english, thai)
        head = f"{f'{USAGE} ' if prefix is None else prefix:>{self.current_indent}}{prog}"
        indent = " " * (cell_len(head) + 1)
        if self.width - cell_len(indent) >= 20:  # click's rule: the arguments beside the command
            self.write("\n".join(wrap(args, self.width, f"{head} ", indent)).rstrip() + "\n")
        else:  # below it, a little further in
            indent = " " * (self.current_indent + 2 * self.indent_increment)
            self.write(f"{head}\n" + "\n".join(wrap(args, self.width, indent, indent)) + "\n")

    def write_heading(self, heading: str) -> None:
        super().write_heading(HEADINGS.get(heading, heading))

    def beside(self, first_col: int, indent: int) -> bool:
        """A definition list whose first column takes ``first_col`` cells at ``indent`` has its
        definitions beside the terms (else below them, over the page's width)."""
        return self.width - indent - first_col >= HELP_BESIDE

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_paragraphs(text, self.width, indent, indent))
        self.write("\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = [(thai_values(term), thai_notes(definition)) for term, definition in rows]
        if not rows:
            return
        first_col = min(max(cell_len(term) for term, _ in rows), col_max) + col_spacing
        beside = self.beside(first_col, self.current_indent)
        for term, definition in rows:
            term_lines = self._term_lines(term)
            self.write("\n".join(term_lines))
            if not definition:
                self.write("\n")
                continue
            if beside and len(term_lines) == 1 and cell_len(term) <= first_col - col_spacing:
                column = self.current_indent + first_col
                shown = self.current_indent + cell_len(term)  # the help goes on after the term
            else:  # below the term: in its column, or (narrow) over the page's width
                column = self.current_indent + (first_col if beside else self.indent_increment)
                self.write("\n")
                shown = 0
            indent = " " * column
            self.write(wrap_paragraphs(definition, self.width, indent, indent)[shown:])
            self.write("\n")

    def _term_lines(self, term: str) -> list[str]:
        """An option's names and value (``-k, --kind <visit|meeting|…>``) on as many lines as the
        page needs, broken after a ``|``, a comma or a space; the lines after the first further in."""
        room = self.width - self.current_indent
        if cell_len(term) <= room:
            return [" " * self.current_indent + term]
        more = self.current_indent + 2 * self.indent_increment
        lines, line = [], ""
        for part in re.split(r"(?<=[|, ])", term):
            limit = self.width - more if lines else room
            if line and cell_len(line + part) > limit:
                lines.append(line.rstrip())
                line = part
            else:
                line += part
        lines.append(line)
        return [" " * (more if i else self.current_indent) + text for i, text in enumerate(lines)]


def short_help(command, limit: int) -> str:
    """The start of ``command``'s help, whole words of at most ``limit`` cells (``...`` if cut)."""
    words = (command.short_help or command.help or "").split("\n\n")[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    if cell_len(" ".join(words)) <= limit:
        return " ".join(words)
    while len(words) > 1 and cell_len(" ".join(words) + "...") > limit:
        words.pop()
    return " ".join(words) + "..."


def format_commands(group, ctx: typer.Context, formatter) -> None:
    """The "Commands" section of a group's page, as Typer writes it, with each command's short help
    as long as the layout leaves room for: a whole line when it is written below the name."""
    commands = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            commands.append((name, command))
    if not commands:
        return
    widest = max(cell_len(name) for name, _ in commands)
    indent = formatter.current_indent + formatter.indent_increment  # inside the section
    if isinstance(formatter, Formatter) and not formatter.beside(min(widest, 30) + 2, indent):
        line = formatter.width - indent - formatter.indent_increment
        rows = [(name, short_help(command, 2 * line - 6)) for name, command in commands]  # two lines, at spaces
    else:
        limit = formatter.width - 6 - widest
        rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
    with formatter.section("Commands"):
        formatter.write_dl(rows)


# --- Typer's --install-completion, in Thai ------------------------------------------------------------


def install_completion(original, ctx: typer.Context, param, value) -> None:
    """Runs Typer's own ``--install-completion`` (``original``, the option's callback) and says
    what it did in Thai: which shell, which file, that a new terminal picks it up."""
    said = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(said):
        try:
            original(ctx, param, value)
        except SystemExit as done:  # Typer ends the run itself once the completion is installed
            code = done.code
    found = re.match(r"(\S+) completion installed in (.+)", re.sub(r"\x1b\[[0-9;]*m", "", said.getvalue()))
    if found:
        from nitet_cli.cli.common import echo

        shell, path = found.groups()
        echo(f"ติดตั้งการเติมคำสั่งของ {shell} แล้วที่ {path.strip()} — ใช้ได้เมื่อเปิดเทอร์มินัลใหม่ (กด Tab ระหว่างพิมพ์คำสั่ง)")
    else:  # a Typer that says it otherwise: what it said, as it said it
        sys.stdout.write(said.getvalue())
    sys.exit(code)
