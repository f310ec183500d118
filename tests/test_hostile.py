"""Issue 5: no text a user can type produces a document Word will not open.

Hypothesis puts arbitrary Unicode — control characters, ``& < > ]]>``, Jinja and
docxtpl syntax, Thai stacked marks, zero-width and right-to-left marks, emoji, very
long strings — into every user text field: the manual (title, profile, duty titles,
activities, standards) through ``nitet manual load``, and entries (titles, findings,
suggestions, participants, evidence captions) and school names through the library.
Every stored text is exactly ``clean_text`` of what was typed; every exported
document reopens in python-docx with that text in it; a sample converts to PDF with
LibreOffice where it is installed.

Issue 13: the same hostile strings, with rich markup, emoji codes and terminal escape
sequences added, go through every human-readable command (``school list``, ``list``,
``show``, ``evidence list``, ``manual show``, ``follow-up list`` and ``close``, ``due``, ``school show``,
``status``, ``report``'s summary line):
exit 0, no traceback, no control character on the terminal, every text shown as stored.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, docx_text
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stress_data import SMALL_MANUAL, init_db

from nitet_cli.activities import EvidenceInput, NewActivity, add_activity, get_activity
from nitet_cli.schools import add_or_update_school, check_school, get_school
from nitet_cli.text import clean_text

NASTY = [
    "&",
    "<",
    ">",
    "]]>",
    "<![CDATA[",
    '"',
    "'",
    "&amp;",
    "<w:t>",
    "</w:p>",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{ 7*7 }}",
    "{% for x in y %}",
    "{%p if %}",
    "{%tr endfor %}",
    "{{r x }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ config }}",
    "ก้้้้้",
    "ปั้ม",
    "น้ำ",
    "กิ่ง",
    "ฏ๊ั",
    "ำ",
    "\u0e33\u0e4d",
    "๑๒๓",
    "ฯลฯ",
    "\u0e31\u0e48\u0e49",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufeff",
    "\u00ad",
    "\u2028",
    "\u2029",
    "\u0085",
    "😀",
    "👩🏽‍🏫",
    "🇹🇭",
    "\U0001f9d1\u200d\U0001f4bb",
    "\U0010fffd",
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x1f",
    "\x7f",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "  ",
    "\u00a0",
    "\u3000",
    "العربية",
    "עברית",
    "中文",
    "e\u0301",
    "\u0301",
]

pieces = st.one_of(st.sampled_from(NASTY), st.text(max_size=12), st.text(st.characters(codec="utf-8"), max_size=12))
hostile = st.lists(pieces, min_size=1, max_size=14).map("".join)
# A line of text must keep something once cleaned (empty titles are refused, rightly).
hostile_line = hostile.filter(lambda s: bool(clean_text(s, multiline=False)))
hostile_block = hostile.filter(lambda s: bool(clean_text(s)))
long_text = st.builds(lambda piece, n: (piece * n)[:20_000], hostile_block, st.integers(min_value=200, max_value=2000))

QUICK = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
THOROUGH = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)

EVERYTHING = "".join(NASTY)


def hostile_manual(texts: list[str]) -> dict:
    """The small manual with a hostile text in every field a user writes."""
    data = copy.deepcopy(SMALL_MANUAL)
    slots = iter(texts * 20)
    data["manual"]["title"] = next(slots)
    for key in data["profile"]:
        data["profile"][key] = next(slots)
    for duty in data["duties"]:
        duty["title"] = next(slots)
        for row in duty["standards"]:
            row["activity"] = next(slots)
            row["standard"] = next(slots)
    return data


def manual_texts(data: dict) -> list[str]:
    texts = [data["manual"]["title"], *data["profile"].values()]
    for duty in data["duties"]:
        texts.append(duty["title"])
        for row in duty["standards"]:
            texts += [row["activity"], row["standard"]]
    return texts


def load_and_export(nitet, tmp_path: Path, data: dict) -> tuple[dict, Path]:
    """`nitet manual load` a YAML holding ``data``, then `nitet manual export`."""
    path = tmp_path / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    nitet("manual", "load", path)
    out = tmp_path / "hostile.docx"
    nitet("manual", "export", "-o", out)
    return nitet.json("manual", "show"), out


def check_manual_roundtrip(typed: dict, shown: dict, out: Path) -> None:
    # What the file says is what YAML reads back: YAML 1.1 itself folds the line
    # breaks NEL (U+0085), LS and PS inside a scalar into spaces, before nitet sees them.
    typed = yaml.safe_load(yaml.safe_dump(typed, allow_unicode=True, sort_keys=False))
    expected = [clean_text(t) for t in manual_texts(typed)]
    stored = [shown["title"], *(shown["profile"][k] for k in typed["profile"])]
    for duty in shown["duties"]:
        stored.append(duty["title"])
        for row in duty["standards"]:
            stored += [row["activity"], row["standard"]]
    assert stored == expected
    text = docx_text(out)  # python-docx reopens it
    # The template shows every text except the profile's work_group (the seed's cover has none).
    for value in [shown["title"], *(v for k, v in shown["profile"].items() if k not in ("work_group", "uuid"))]:
        assert value in text, value
    for duty in shown["duties"]:
        assert duty["title"] in text
        for row in duty["standards"]:
            assert row["activity"] in text and row["standard"] in text


@pytest.fixture
def fresh(nitet, tmp_path_factory):
    """A new database for each hypothesis example (the fixture itself is made once)."""

    class Fresh:
        def __call__(self):
            folder = tmp_path_factory.mktemp("hostile")
            nitet.db_path = folder / "nitet.db"
            return nitet, folder

    return Fresh()


@QUICK
@given(texts=st.lists(hostile_block, min_size=3, max_size=8))
@example(texts=[EVERYTHING, "{{ 7*7 }}", "ก้้้้้\u200b\u202e😀"])
def test_manual_with_hostile_text_exports_and_reads_back(fresh, texts):
    nitet, folder = fresh()
    typed = hostile_manual(texts)
    shown, out = load_and_export(nitet, folder, typed)
    check_manual_roundtrip(typed, shown, out)


@pytest.mark.slow
@THOROUGH
@given(texts=st.lists(st.one_of(hostile_block, long_text), min_size=3, max_size=12))
def test_manual_with_hostile_text_thorough(fresh, texts):
    nitet, folder = fresh()
    typed = hostile_manual(texts)
    shown, out = load_and_export(nitet, folder, typed)
    check_manual_roundtrip(typed, shown, out)


def test_very_long_texts_export(nitet, tmp_path):
    typed = hostile_manual(["ก้" * 30_000, EVERYTHING * 50, "ผลการนิเทศ\n" * 3_000])
    shown, out = load_and_export(nitet, tmp_path, typed)
    check_manual_roundtrip(typed, shown, out)


# --- entries and schools ----------------------------------------------------------------------


def record_hostile_entry(db: Path, folder: Path, title, findings, suggestions, participants, caption, school_name):
    conn = init_db(db)
    try:
        add_or_update_school(conn, check_school("57019999", school_name, school_name, school_name), update=True)
        photo = folder / "photo.jpg"
        photo.write_bytes(b"\xff\xd8" + title.encode("utf-8", "surrogatepass")[:200])
        new = NewActivity(
            date=date(2026, 11, 20),
            title=title,
            standards=["1.2"],
            schools=["57019999"],
            findings=findings,
            suggestions=suggestions,
            participants=participants,
            evidence=[
                EvidenceInput(path=photo, caption=caption),
                EvidenceInput(url="https://drive.google.com/x", caption=caption),
            ],
        )
        entry = get_activity(conn, add_activity(conn, db, new))
        school = get_school(conn, "57019999")
    finally:
        conn.close()
    return entry, school


@QUICK
@given(
    title=hostile_line,
    findings=hostile,
    suggestions=hostile,
    participants=hostile,
    caption=hostile,
    school_name=hostile_line,
)
@example(
    title=EVERYTHING,
    findings=EVERYTHING,
    suggestions="{{ 7*7 }}",
    participants="\u202eครู ๕ คน",
    caption="]]>&<",
    school_name="โรงเรียนบ้านก้้้้้\u200b",
)
def test_entries_and_schools_store_exactly_the_cleaned_text(
    fresh, title, findings, suggestions, participants, caption, school_name
):
    nitet, folder = fresh()
    entry, school = record_hostile_entry(
        nitet.db_path, folder, title, findings, suggestions, participants, caption, school_name
    )
    assert entry["title"] == clean_text(title, multiline=False)
    assert entry["findings"] == clean_text(findings)
    assert entry["suggestions"] == clean_text(suggestions)
    assert entry["participants"] == clean_text(participants)
    assert [e["caption"] for e in entry["evidence"]] == [clean_text(caption, multiline=False)] * 2
    assert school.name == clean_text(school_name, multiline=False)
    assert entry["schools"][0]["name"] == school.name
    # Nothing XML 1.0 forbids is left anywhere.
    for value in (entry["title"], entry["findings"], entry["suggestions"], entry["participants"], school.name):
        value.encode("utf-8")  # no lone surrogates
        assert not any(ord(c) < 0x20 and c not in "\t\n" for c in value)
        assert "\ufffe" not in value and "\uffff" not in value


# --- LibreOffice sees it too ---------------------------------------------------------------------


def to_pdf(docx: Path, outdir: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: PDF conversion not checked")
    profile = outdir / "lo-profile"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = outdir / (docx.stem + ".pdf")
    assert pdf.is_file() and pdf.stat().st_size > 1000, "LibreOffice wrote no PDF"
    return pdf


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        return ""
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout


def test_hostile_manual_converts_to_pdf(nitet, tmp_path):
    typed = hostile_manual([EVERYTHING, "ลงพื้นที่นิเทศ ติดตาม {{ 7*7 }} & <b>", "น้ำ ปั้ม กิ่ง\u200b\u202eครู"])
    shown, out = load_and_export(nitet, tmp_path, typed)
    pdf = to_pdf(out, tmp_path)
    text = pdf_text(pdf)
    if text:
        assert "{{ 7*7 }}" in text and "ลงพื้นที่นิเทศ" in text


@pytest.mark.slow
@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(texts=st.lists(hostile_block, min_size=3, max_size=6))
def test_hostile_manuals_convert_to_pdf(fresh, texts):
    nitet, folder = fresh()
    shown, out = load_and_export(nitet, folder, hostile_manual(texts))
    to_pdf(out, folder)


# --- issue 9: numbers, invisible text, duplicate keys and template code from outside -------------
#
# Each shape ends in one of two ways, never a third: it loads (or renders) and everything that
# reads it afterwards works, or it is refused with exit 2 and one sentence — no traceback, no
# hang, nothing written.

INVISIBLE = [
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\x85",
    "\u200b",
    "\u200e",
    "\u202e",
    "\u2066",
    "\ufeff",
    "\u00ad",
    "\ud800",
    "\udfff",
    " ",
    "\t",
    "\n",
    "\u3000",
]
invisible_text = st.lists(st.sampled_from(INVISIBLE), min_size=1, max_size=8).map("".join)

numberish = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-3, max_value=1200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(alphabet="0123456789๐๑๒๓๔๕๖๗๘๙.-+e ", max_size=30),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=1),
)


def _refused_in_one_sentence(result) -> None:
    assert result.exit_code == 2, result.output[-500:]
    assert result.stderr.startswith("ข้อผิดพลาด:") and result.stderr.count("\n") == 1, result.stderr[:500]


def _write(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@QUICK
@given(where=st.sampled_from(["number", "step", "min_per_term", "year"]), value=numberish)
@example(where="min_per_term", value=2**63)
@example(where="step", value=2**64)
@example(where="number", value="9" * 30)
def test_manual_numbers_load_and_work_or_are_refused(fresh, where, value):
    nitet, folder = fresh()
    nitet("init")
    data = copy.deepcopy(SMALL_MANUAL)
    if where == "number":
        data["duties"][1]["number"] = value
    elif where == "step":
        data["duties"][0]["standards"][0]["step"] = value
    elif where == "year":
        data["manual"]["year"] = value
    else:
        data["duties"][0]["standards"][1]["target"]["min_per_term"] = value
    before = nitet.snapshot()
    result = nitet("manual", "load", _write(folder / "n.yaml", data), ok=False)
    if result.exit_code != 0:
        _refused_in_one_sentence(result)
        assert nitet.snapshot() == before
    nitet("status", "--json")  # whatever was loaded, the figures still work
    nitet("report", "--format", "json", "-o", folder / "r.json")


@QUICK
@given(field=st.sampled_from(["name", "title", "activity", "standard", "duty"]), text=invisible_text)
def test_required_text_of_invisible_characters_is_refused(fresh, field, text):
    nitet, folder = fresh()
    nitet("init")
    data = copy.deepcopy(SMALL_MANUAL)
    row = data["duties"][0]["standards"][0]
    if field == "name":
        data["profile"]["name"] = text
    elif field == "duty":
        data["duties"][0]["title"] = text
    elif field == "title":
        data["duties"][1]["title"] = text
    else:
        row[field] = text
    before = nitet.snapshot()
    _refused_in_one_sentence(nitet("manual", "load", _write(folder / "t.yaml", data), ok=False))
    assert nitet.snapshot() == before
    _refused_in_one_sentence(nitet("log", "7.3", "--title", text.replace("\x00", ""), ok=False))


def _scalar_key_lines(text: str) -> list[int]:
    """Indexes of the lines ``key: scalar`` (with or without a list dash) of a block YAML."""
    import re

    return [i for i, line in enumerate(text.splitlines()) if re.match(r"^\s*(- )?[a-z_]+: \S", line)]


@QUICK
@given(data=st.data())
def test_any_duplicate_key_is_refused_with_its_line(fresh, data):
    nitet, folder = fresh()
    nitet("init")
    import re

    text = yaml.safe_dump(SMALL_MANUAL, allow_unicode=True, sort_keys=False, default_flow_style=False)
    lines = text.splitlines()
    index = data.draw(st.sampled_from(_scalar_key_lines(text)))
    indent, dash, key = re.match(r"^(\s*)(- )?([a-z_]+):", lines[index]).groups()
    other = data.draw(st.sampled_from(["1", "2", "ข้อความอื่น", "''"]))
    lines.insert(index + 1, f"{indent}{'  ' if dash else ''}{key}: {other}")
    path = folder / "dup.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = nitet.snapshot()
    result = nitet("manual", "load", path, ok=False)
    _refused_in_one_sentence(result)
    assert f"'{key}' ซ้ำ" in result.stderr and f"บรรทัด {index + 2}" in result.stderr
    assert nitet.snapshot() == before


operand = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.sampled_from(
        [
            "9**9",
            "10**12",
            "(2**20)",
            "'x'",
            "'ก้'",
            "[1, 2]",
            "'%9999999d'",
            "'%s'",
            "range(10)",
            "profile.name",
            "duties",
            "0",
            "1.5",
            "''",
        ]
    ),
)
template_code = st.one_of(
    st.builds(
        lambda a, op, b: "{{ %s %s %s }}" % (a, op, b),
        operand,
        st.sampled_from(["**", "*", "+", "%", "//", "/", "~"]),
        operand,
    ),
    st.builds(
        lambda a, b: "{%% for i in range(%s) %%}{%% for j in range(%s) %%}{%% endfor %%}{%% endfor %%}" % (a, b),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
    ),
    st.builds(lambda a: "{{ %s|length }}" % a, operand),
)


@QUICK
@given(code=template_code)
@example(code="{{ 9**9 ** 9 }}")
@example(code="{{ 'x' * 400000000 }}")
@example(code="{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}")
def test_template_code_renders_or_is_one_sentence(fresh, code):
    from docx import Document

    nitet, folder = fresh()
    nitet("init")
    document = Document()
    document.add_paragraph("คู่มือ {{ manual.title }}")
    document.add_paragraph(code)
    template = folder / "mine.docx"
    document.save(str(template))
    out = folder / "m.docx"
    result = nitet("manual", "export", "--template", template, "-o", out, ok=False)
    if result.exit_code == 0:
        assert "คู่มือ" in docx_text(out)
    else:
        _refused_in_one_sentence(result)
        assert str(template) in result.stderr and not out.exists()


# --- rich markup typed as text is printed as typed, by every command that prints it --------------

MARKUP = "[/b][link=http://x]{{ 7*7 }}[/]"


def test_markup_in_any_text_is_printed_as_typed_by_every_command(initialised, tmp_path):
    """A school, an entry, a manual or a path whose text is rich markup: no MarkupError traceback, shown literally."""
    nitet = initialised
    wide = {"COLUMNS": "400"}
    out = nitet(
        "school", "add", "--code", "57019998", "--name", f"โรงเรียน{MARKUP}", "--group", MARKUP, "--district", MARKUP
    ).stdout
    assert MARKUP in out
    csv_file = tmp_path / "schools.csv"
    csv_file.write_text(f"code,name,group,district\n57019997,โรงเรียน{MARKUP}ใหม่,{MARKUP},{MARKUP}\n", encoding="utf-8")
    nitet("school", "import", csv_file)
    named = tmp_path / "x[" / "b]"  # a folder path that reads as [/b] when printed
    named.mkdir(parents=True)
    nitet("log-visit", "--school", "57019998", "--title", MARKUP, "--findings", MARKUP, "--date", "2026-11-20")
    for args in (["list"], ["school", "list"], ["show", "1"], ["school", "show", "57019998"], ["status"]):
        result = nitet(*args, env=wide)
        assert MARKUP in result.stdout, args
    result = nitet("report", "--term", "2", "--format", "json", "-o", named / "r.json")
    assert str(named / "r.json") in result.stdout
    result = nitet("export", "-o", named / "e.csv")
    result = nitet("template", "export", "report", named)
    assert str(named) in result.stdout
    manual = yaml.safe_load((ROOT / "data" / "duties.yaml").read_text(encoding="utf-8"))
    manual["manual"]["title"] = f"คู่มือ{MARKUP}"
    manual["duties"][0]["standards"][0]["activity"] = MARKUP
    path = named / "คู่มือ.yaml"
    path.write_text(yaml.safe_dump(manual, allow_unicode=True), encoding="utf-8")
    assert str(path) in nitet("manual", "load", path).stdout
    shown = nitet("manual", "show", "--duty", "1", env=wide).stdout
    assert f"คู่มือ{MARKUP}" in shown and MARKUP in shown


# --- a number too large for SQLite, typed on the command line -------------------------------------

HUGE = str(2**64)


@pytest.mark.parametrize(
    "args",
    [
        ["show", HUGE],
        ["edit", HUGE, "--title", "x"],
        ["delete", HUGE, "--yes"],
        ["evidence", "list", HUGE],
        ["evidence", "open", HUGE],
        ["evidence", "remove", HUGE, "--yes"],
        ["list", "--limit", HUGE],
        ["list", "--offset", HUGE],
        ["log-visit", "--school", "57019999", "--title", "x", "--teachers", HUGE, "-e", "{photo}"],
        ["log-visit", "--school", "57019999", "--title", "x", "--close-follow-up", HUGE],
        ["follow-up", "close", HUGE, "--result", "x"],
    ],
    ids=lambda args: " ".join(a for a in args if a != HUGE)[:40],
)
def test_a_number_too_large_for_sqlite_is_one_sentence_and_nothing_written(initialised, tmp_path, args):
    nitet = initialised
    nitet("school", "add", "--code", "57019999", "--name", "โรงเรียนทดสอบ", "--group", "บ้านคู่", "--district", "เมือง")
    photo = tmp_path / "ภาพ.jpg"
    photo.write_bytes(b"\xff\xd8 photo")
    nitet("log-visit", "--school", "57019999", "--title", "ก่อน", "-e", photo, "--follow-up", "ทำแผน")
    store = nitet.db_path.with_name("nitet-evidence")
    before, files = nitet.snapshot(), sorted(p for p in store.rglob("*"))
    result = nitet(*(a.replace("{photo}", str(photo)) for a in args), ok=False)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ข้อผิดพลาด: ") and HUGE in lines[0], result.stderr
    assert nitet.snapshot() == before
    assert sorted(p for p in store.rglob("*")) == files


# --- the terminal (issue 13): every human-readable command shows user text as typed ----------------

# Rich markup, emoji codes, terminal escape sequences (CSI, OSC 8 links, the 8-bit CSI U+009B that
# nitet's cleaning keeps, the bell), beside the document-breaking strings above.
TERMINAL_NASTY = [
    "[/b]",
    "[/]",
    "[bold]",
    "[/i]",
    "[link=https://evil.example]คลิก[/link]",
    "[red on white]",
    "[",
    "]",
    "\\[",
    ":smile:",
    ":thumbs_up:",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x07",
    "\x9b31m",
    "\x9b",
    "\x85",
    "\x07",
    "\x1b",
    "%s",
    "{0}",
    "😀",
    "👩🏽‍🏫",
    "🇹🇭",
    "ก้้้้้",
]
terminal_piece = st.one_of(st.sampled_from(TERMINAL_NASTY), st.sampled_from(NASTY), st.text(max_size=8))
terminal_text = st.lists(terminal_piece, min_size=1, max_size=8).map("".join)
terminal_line = terminal_text.filter(lambda s: bool(clean_text(s, multiline=False)))
terminal_block = terminal_text.filter(lambda s: bool(clean_text(s)))
TERMINAL_EVERYTHING = "".join(TERMINAL_NASTY)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
WIDE = {"COLUMNS": "4000"}  # wide enough that no table cuts or wraps a cell


def file_name(text: str) -> str:
    """A file name made of the text (no '/', NUL or lone surrogate; at most ~120 bytes)."""
    name = "".join(c for c in text if c not in "/\x00" and not 0xD800 <= ord(c) <= 0xDFFF)
    name = name.encode("utf-8")[:120].decode("utf-8", "ignore")
    return (name if name.strip(". ") else "x") + ".txt"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def shown(text: str, output: str) -> bool:
    """``text`` as stored appears in ``output`` literally, its control characters escaped
    (whitespace compared loosely: a table turns a tab into spaces)."""
    from nitet_cli.cli.common import terminal_safe

    return squeeze(terminal_safe(text)) in squeeze(output)


def shown_in_table(text: str, output: str) -> bool:
    """``shown`` for a table cell: a text of several lines is as many lines of its cell, each
    beside the other columns' lines, so each line must appear."""
    return all(shown(line, output) for line in text.split("\n") if line.strip())


def run_readable(nitet, *args):
    result = nitet(*args, env=WIDE)
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream
        assert not CONTROL.search(stream), (args, repr(stream))
    return result.stdout


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    manual_texts_=st.lists(terminal_block, min_size=3, max_size=5),
    school=terminal_line,
    district=terminal_line,
    title=terminal_line,
    findings=terminal_block,
    caption=terminal_line,
    evidence_name=terminal_line,
    follow_up=terminal_line,
    result=terminal_line,
)
@example(
    manual_texts_=[TERMINAL_EVERYTHING, "[/b] ทดสอบ", "\x1b[2Jมาตรฐาน :smile:"],
    school="ร.ร. [/b] ทดสอบ",
    district="[link=https://evil.example]อำเภอ[/link]",
    title="นิเทศ [/i] \x9b31m 😀",
    findings="ผล [bold]\n\x1b[31mแดง",
    caption="[/]",
    evidence_name="\x1b[31mภาพ [/b]",
    follow_up="จัดมุม [red]อ่าน[/red] \x9b31m \x1b]8;;https://evil.example\x07 :smile:",
    result="ทำแล้ว [/] \x9b2J",
)
def test_every_readable_command_shows_hostile_text_as_typed(
    fresh, manual_texts_, school, district, title, findings, caption, evidence_name, follow_up, result
):
    nitet, folder = fresh()
    typed = hostile_manual(manual_texts_)
    (folder / "m.yaml").write_text(yaml.safe_dump(typed, allow_unicode=True, sort_keys=False), encoding="utf-8")
    nitet("manual", "load", folder / "m.yaml")
    nitet("school", "add", "--code", "57019999", f"--name={school}", "--group=บ้านคู่", f"--district={district}")
    evidence = folder / file_name(evidence_name)
    evidence.write_bytes(b"evidence")
    entry = nitet(
        "log-visit",
        "--school",
        "57019999",
        f"--title={title}",
        f"--findings={findings}",
        f"--caption={caption}",
        "-e",
        evidence,
        "--link",
        "https://drive.google.com/x",
        "-d",
        "2026-11-20",
        f"--follow-up={follow_up}",
        "--check-by",
        "2026-11-30",
    ).stdout.strip()
    stored = nitet.json("show", entry)
    manual = nitet.json("manual", "show")

    schools = run_readable(nitet, "school", "list")
    assert shown(stored["schools"][0]["name"], schools) and shown(nitet.json("school", "list")[0]["district"], schools)
    listed = run_readable(nitet, "list")
    assert shown(stored["title"], listed) and shown(stored["schools"][0]["name"], listed)
    one = run_readable(nitet, "show", entry)
    for value in (
        stored["title"],
        stored["findings"],
        stored["schools"][0]["name"],
        *(e["caption"] for e in stored["evidence"]),
    ):
        assert shown(value, one), value
    assert shown(stored["evidence"][0]["original_name"], one)
    items = run_readable(nitet, "evidence", "list", entry)
    assert shown(stored["evidence"][0]["original_name"], items) and shown(stored["evidence"][0]["caption"], items)
    book = run_readable(nitet, "manual", "show")
    for value in [manual["title"], manual["profile"]["name"], manual["profile"]["office"]] + [
        t
        for d in manual["duties"]
        for t in (d["title"], *(x for s in d["standards"] for x in (s["activity"], s["standard"])))
    ]:
        assert shown(value, book), value
    (item,) = stored["follow_ups"]
    follow_ups = run_readable(nitet, "follow-up", "list")
    assert shown_in_table(item["text"], follow_ups) and shown(item["school_name"], follow_ups)
    due = run_readable(nitet, "due")  # due within 14 days of NITET_TODAY (2026-11-24)
    assert shown(item["text"], due) and shown(item["school_name"], due)
    history = run_readable(nitet, "school", "show", "57019999")
    for value in (stored["title"], stored["findings"], stored["schools"][0]["name"]):
        assert shown(value, history), value
    assert shown_in_table(item["text"], history)
    closed = run_readable(nitet, "follow-up", "close", str(item["id"]), f"--result={result}", "-d", "2026-11-21")
    (done,) = nitet.json("follow-up", "list", "--all")
    assert shown(done["result"], closed) and shown(done["school_name"], closed)
    assert shown_in_table(done["result"], run_readable(nitet, "follow-up", "list", "--all"))
    assert shown_in_table(done["result"], run_readable(nitet, "school", "show", "57019999"))
    status = run_readable(nitet, "status")
    assert shown(stored["schools"][0]["name"], status)
    output = folder / file_name(title).replace(".txt", ".docx")
    summary = run_readable(nitet, "report", "-o", output)
    assert shown(str(output), summary)


@given(text=st.one_of(hostile, st.text()))
@example(text="A\x1f\u0301")  # a control character between a letter and its combining mark
@example(text="ก\x00\u0e48\r\u0e35")
def test_cleaning_a_cleaned_text_changes_nothing(text):
    """Every text is stored as clean_text made it; cleaned again (a manual exported and loaded, an
    export imported) it must stay the same, or a round trip would report changes nobody made."""
    for multiline in (True, False):
        once = clean_text(text, multiline=multiline)
        assert clean_text(once, multiline=multiline) == once
