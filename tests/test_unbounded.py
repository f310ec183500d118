"""Issue 9, item 11: a file from outside cannot make nitet work without end.

- The manual YAML: alias expansion ("billion laughs"), an alias inside itself, nesting
  deeper than Python's recursion, a file of many megabytes, a FIFO — each refused at once
  with one sentence (exit 2), the database unchanged. Moderate use of aliases still loads.
- A user's Word template (``--template``): ``9**(9**9)``, ``'x' * 400000000``,
  ``range(10**12)``, nested ranges, a macro that calls itself, a division by zero, a
  string doubled forty times (memory), loops that run past the time limit, a document
  past the size limit — each one sentence naming the template (and the line where Jinja
  knows it), exit 2, no output file, an existing output file untouched.

The backstops (time, memory, output size) are proved with the limits lowered for the
test, so that they are reached in a moment instead of minutes and gigabytes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from stress_data import SMALL_MANUAL

from nitet_cli import template_limits

ROOT = Path(__file__).resolve().parent.parent
FORK = hasattr(os, "fork")


# --- the manual YAML ----------------------------------------------------------------------------


def laughs(levels: int, width: int = 10) -> str:
    """A manual whose first row's step is an alias that expands to width**levels values
    (today's code put the repr of all of them in its error message)."""
    lines = [f'l0: &l0 ["{"ha" * 3}"]']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [{', '.join(f'*l{i - 1}' for _ in range(width))}]")
    body = yaml.safe_dump(SMALL_MANUAL, allow_unicode=True, sort_keys=False)
    assert "- step: 1\n" in body
    return "\n".join(lines) + "\n" + body.replace("- step: 1\n", f"- step: *l{levels}\n", 1)


def load(initialised, tmp_path, text: str, name: str = "m.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = initialised.snapshot()
    result = initialised("manual", "load", path, ok=False)
    assert initialised.snapshot() == before
    return result


def test_alias_expansion_is_refused_with_a_short_sentence(initialised, tmp_path):
    """A million values behind one title: today's code put their repr in the error message
    (megabytes); nine levels (a billion) ran for minutes and gigabytes."""
    result = load(initialised, tmp_path, laughs(6))
    assert result.exit_code == 2 and "alias" in result.stderr, result.stderr[:300]
    assert len(result.stderr) < 1000


def test_billion_laughs_is_refused_at_once(initialised, tmp_path):
    result = load(initialised, tmp_path, laughs(9))
    assert result.exit_code == 2 and "100,000" in result.stderr and "alias" in result.stderr


def test_alias_inside_itself_is_refused(initialised, tmp_path):
    text = yaml.safe_dump(SMALL_MANUAL, allow_unicode=True, sort_keys=False) + "loop: &loop [1, *loop]\n"
    result = load(initialised, tmp_path, text)
    assert result.exit_code == 2 and "อ้างถึงตัวเอง" in result.stderr


@pytest.mark.parametrize(
    "text", ["a: " + "[" * 100_000, "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 2000))], ids=["flow", "block"]
)
def test_nesting_deeper_than_python_is_one_sentence(initialised, tmp_path, text):
    result = load(initialised, tmp_path, text)
    assert result.exit_code == 2 and "ลึกเกิน" in result.stderr and "บรรทัด" in result.stderr


def test_moderate_aliases_still_load(initialised, tmp_path):
    """Repeating a target with an anchor is what aliases are for: allowed."""
    text = """manual: {title: คู่มือ}
profile: {name: นางสาวทดสอบ ระบบดี}
duties:
  - number: 1
    title: การนิเทศ
    standards:
      - {step: 1, activity: นิเทศกลุ่มบ้านคู่, standard: ภาคเรียนละ ๒ ครั้ง,
         target: &visits {kind: school_visits, min_per_term: 2, school_groups: [บ้านคู่]}}
      - {step: 2, activity: นิเทศซ้ำ, standard: ภาคเรียนละ ๒ ครั้ง, target: *visits}
"""
    path = tmp_path / "ok.yaml"
    path.write_text(text, encoding="utf-8")
    initialised("manual", "load", path)
    rows = initialised.json("manual", "show")["duties"][0]["standards"]
    assert (
        rows[0]["target"]
        == rows[1]["target"]
        == {"kind": "school_visits", "min_per_term": 2, "school_groups": ["บ้านคู่"]}
    )


def test_manual_file_over_the_size_limit_is_refused(initialised, tmp_path):
    text = yaml.safe_dump(SMALL_MANUAL, allow_unicode=True) + "# " + "ก" * 1_400_000 + "\n"  # 4.2 MB
    assert len(text.encode("utf-8")) > 4_000_000
    result = load(initialised, tmp_path, text)
    assert result.exit_code == 2 and "4,000,000" in result.stderr


def test_manual_fifo_is_refused_without_hanging(initialised, tmp_path):
    fifo = tmp_path / "duties.yaml"
    os.mkfifo(fifo)
    result = initialised("manual", "load", fifo, ok=False)
    assert result.exit_code == 2 and "FIFO" in result.stderr


# --- the Word template --------------------------------------------------------------------------


@pytest.fixture
def reported(initialised, tmp_path):
    from term_data import build_term

    build_term(initialised.db_path, tmp_path / "files")
    return initialised


def template_with(tmp_path: Path, *paragraphs: str) -> Path:
    from docx import Document

    document = Document()
    document.add_paragraph("รายงาน {{ profile.name }}")
    for text in paragraphs:
        document.add_paragraph(text)
    path = tmp_path / "mine.docx"
    document.save(str(path))
    return path


HOSTILE_TEMPLATES = {
    "huge power": ("{{ 9**(9**7) }}", "**"),
    "huge repeat": ("{{ 'x' * 20000000 }}", "*"),
    "repeat of a list": ("{{ ([1] * 100000) * 1000 }}", "*"),
    "huge range": ("{% for i in range(10**12) %}{{ i }}{% endfor %}", "range"),
    "nested ranges": ("{% for a in range(2000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}", "range"),
    "recursive macro": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}", "macro"),
    "division by zero": ("{{ 1 / 0 }}", "ZeroDivisionError"),
    "huge format width": ("{{ '%999999999d' % 1 }}", "%"),
    "unknown filter": ("{{ report.year|nosuchfilter }}", "nosuchfilter"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TEMPLATES))
def test_hostile_template_is_one_sentence_and_writes_nothing(reported, tmp_path, case):
    code, said = HOSTILE_TEMPLATES[case]
    template = template_with(tmp_path, "ปกติ", code)
    out = tmp_path / "report.docx"
    out.write_bytes(b"the report of last week")
    result = reported("report", "--template", template, "-o", out, ok=False)
    assert result.exit_code == 2, (case, result.output[:500])
    message = result.stderr
    assert message.startswith("ข้อผิดพลาด: แม่แบบ") and str(template) in message and said in message, message
    assert "บรรทัด" in message  # the line, where Jinja knows it
    assert "Traceback" not in result.output and message.count("\n") == 1
    assert out.read_bytes() == b"the report of last week"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report.docx")] == []


def test_manual_export_template_is_bounded_too(initialised, tmp_path):
    template = template_with(tmp_path, "{{ 'ก' * 50000000 }}")
    result = initialised("manual", "export", "--template", template, "-o", tmp_path / "m.docx", ok=False)
    assert result.exit_code == 2 and str(template) in result.stderr
    assert not (tmp_path / "m.docx").exists()


@pytest.mark.skipif(not FORK, reason="the backstops need fork")
def test_memory_backstop(reported, tmp_path, monkeypatch):
    """A string doubled forty times: no operator check sees it; the child's memory limit does."""
    monkeypatch.setattr(template_limits, "RENDER_MEMORY", 256 << 20)
    template = template_with(
        tmp_path,
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    )
    result = reported("report", "--template", template, "-o", tmp_path / "r.docx", ok=False)
    assert result.exit_code == 2 and "หน่วยความจำ" in result.stderr and str(template) in result.stderr
    assert not (tmp_path / "r.docx").exists()


@pytest.mark.skipif(not FORK, reason="the backstops need fork")
def test_time_backstop(reported, tmp_path, monkeypatch):
    """Loops no step budget counts (the budget raised out of reach here): killed at the time limit."""
    monkeypatch.setattr(template_limits, "RENDER_SECONDS", 2)
    monkeypatch.setattr(template_limits, "MAX_STEPS", 10**12)
    template = template_with(
        tmp_path, "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    )
    result = reported("report", "--template", template, "-o", tmp_path / "r.docx", ok=False)
    assert result.exit_code == 2 and "เกิน 2 วินาที" in result.stderr and str(template) in result.stderr
    assert not (tmp_path / "r.docx").exists()


@pytest.mark.parametrize("limit, name", [("MAX_XML_CHARS", "200,000 ตัวอักษร"), ("MAX_OUTPUT_BYTES", "20,000 ไบต์")])
def test_output_size_backstops(reported, tmp_path, monkeypatch, limit, name):
    if limit == "MAX_OUTPUT_BYTES" and not FORK:
        pytest.skip("the file size limit is the child's")
    monkeypatch.setattr(template_limits, limit, 20_000 if limit == "MAX_OUTPUT_BYTES" else 200_000)
    template = template_with(tmp_path, "{% for i in range(3000) %}{{ 'ข้อความยาว' * 100 }}{% endfor %}")
    if limit == "MAX_OUTPUT_BYTES":
        template = ROOT / "templates" / "report.docx"  # the real report with its photos: over 20 KB
    result = reported("report", "--template", template, "-o", tmp_path / "r.docx", ok=False)
    assert result.exit_code == 2 and ("ใหญ่เกิน" in result.stderr or "ยาวเกิน" in result.stderr), result.stderr
    assert name in result.stderr
    assert not (tmp_path / "r.docx").exists()


def test_ordinary_templates_are_not_limited(reported, tmp_path):
    """The limits are far from what a real template does: the built-in report with photos,
    and arithmetic, repetition and ranges of everyday size."""
    template = template_with(
        tmp_path,
        "{{ 2**64 }} {{ '-' * 40 }} {{ [0] * 3 }} {{ 'ก' + 'ข' }} {{ '%05d' % 7 }}",
        "{% for i in range(3) %}{% for j in range(1000) %}{% endfor %}{{ i }}{% endfor %}",
        "{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(20) }}",
    )
    reported("report", "--template", template, "-o", tmp_path / "mine-out.docx")
    from conftest import docx_text

    text = docx_text(tmp_path / "mine-out.docx")
    assert "18446744073709551616 ---------------------------------------- [0, 0, 0] กข 00007" in text
    assert "012" in text and "2019181716151413121110987654321" in text
    reported("report", "-o", tmp_path / "builtin.docx")
    assert (tmp_path / "builtin.docx").stat().st_size > 10_000
