"""Cleaning user text so that no input can later break a document.

Every text that enters the database passes through :func:`clean_text`: Unicode NFC
(Thai vowels and tone marks typed in different orders compare equal) and without the
characters XML 1.0 forbids (control characters other than tab and newline, lone
surrogates, U+FFFE/U+FFFF), which Word refuses to open.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

# XML 1.0 Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; what it
# leaves out, listed: the C0 controls but tab and newlines, the surrogates, U+FFFE and U+FFFF.
# (The same class written as the negation of those wide ranges takes re 5-10 ms to compile, on
# every start of every command; tests/test_startup.py compares the two over every code point.)
_XML_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


def strip_xml_forbidden(value: str) -> str:
    if value.isprintable():  # none of them is printable: a one-line text needs no pattern (nor its compile)
        return value
    return re.sub(_XML_FORBIDDEN, "", value)


# Characters that show nothing: control (Cc), format (Cf: zero-width and direction marks,
# the BOM, the soft hyphen) and surrogates (Cs); with whitespace, a text of only these is empty.
_INVISIBLE = frozenset(("Cc", "Cf", "Cs"))


def is_blank(value: str) -> bool:
    """No character that shows: only whitespace, control, format or surrogate characters."""
    return all(c.isspace() or unicodedata.category(c) in _INVISIBLE for c in value)


def without_invisible(value: str) -> str:
    """``value`` without the characters that show nothing (control, format, surrogate), anywhere
    in it: a zero-width space or a direction mark pasted into a code."""
    if value.isprintable():  # none of them is printable
        return value
    return "".join(c for c in value if unicodedata.category(c) not in _INVISIBLE)


def visible(value: str) -> str:
    """``value`` with every character that does not show as itself written as an escape
    (``5701\\u00a00001``), for an error message about a difference the eye cannot see;
    Thai, its vowels and tone marks, and the plain space are kept."""
    if value.isprintable():
        return value
    return "".join(
        c if c.isprintable() else f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}" for c in value
    )


def clean_text(value: str | None, *, multiline: bool = True) -> str | None:
    """NFC-normalise, drop XML-forbidden characters, unify newlines, strip ends; a text with
    nothing visible left (only control characters, zero-width marks, …) becomes empty, so
    every "must not be empty" check refuses it instead of storing an invisible value."""
    if value is None:
        return None
    value = str(value).replace("\r\n", "\n").replace("\r", "\n")
    # NFC after the forbidden characters are gone: one between a letter and its combining mark
    # ("A\x1f\u0301") would otherwise leave them to combine only on the next cleaning (Á).
    value = unicodedata.normalize("NFC", strip_xml_forbidden(value))
    if not multiline:
        value = " ".join(value.split("\n"))
    value = value.strip()
    return "" if is_blank(value) else value


def nearest(word: str, candidates: list[str], n: int = 3) -> list[str]:
    """The candidates closest to ``word``, for 'did you mean' hints."""
    return difflib.get_close_matches(word, candidates, n=n, cutoff=0.4)


def decode_utf8(raw: bytes, label: str, hint: str) -> str:
    """The text of a file a user gave (UTF-8, with or without the BOM Excel and Notepad
    write); anything else is refused with the byte where it broke and ``hint``."""
    from nitet_cli.errors import InputError

    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: ไม่ใช่ข้อความ UTF-8 (ไบต์ที่ {exc.start}) — {hint}") from exc


#: A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
#: (OWASP "CSV injection"): ``=HYPERLINK(…)``, ``+cmd|…``, ``@SUM(…)``.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """A CSV cell a spreadsheet shows as text and never runs: a leading ``'`` before a formula character.

    Only text is touched; numbers nitet writes itself (the number of teachers) stay numbers.
    Text that already starts with ``'`` before such a character gets one more, so that
    :func:`from_spreadsheet` gives back exactly what was written."""
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return value


def from_spreadsheet(cell: str) -> str:
    """Undo :func:`spreadsheet_text` (``'=…`` → ``=…``), so a CSV nitet wrote reads back as it was."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_START):
        return cell[1:]
    return cell
