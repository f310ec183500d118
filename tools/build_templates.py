"""Build the built-in Word templates in ``templates/`` (run: ``python tools/build_templates.py``).

The templates are ordinary DOCX files with Jinja tags (docxtpl syntax) that a
supervisor can open and change in Word: letterhead, wording, signature block. This
script is how the shipped ones are made, so that their Thai official styling is
reviewable code rather than a binary nobody can read:

- A4, margins 3 cm left, 2 cm right, 2.5 cm top, 2 cm bottom;
- TH SarabunPSK 16 pt in the styles, for Latin *and* complex script (``w:cs``,
  ``w:szCs``, ``w:bCs``) with Thai as the complex-script language, so every run inherits it;
- page numbers centred at the top from page 2, in Thai digits (``- ๒ -``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "TH SarabunPSK"
BODY_PT = 16
ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"


# --- styles -----------------------------------------------------------------------------


def _child(parent, tag: str):
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        parent.append(element)
    return element


def set_run_properties(rpr, *, size_pt: float | None = None, bold: bool | None = None) -> None:
    """Font, size and weight for Latin and complex script (Thai) alike."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(theme_attr)) is not None:
            del fonts.attrib[qn(theme_attr)]
    if bold is not None:
        for tag in ("w:b", "w:bCs"):
            element = _child(rpr, tag)
            element.set(qn("w:val"), "1" if bold else "0")
    if size_pt is not None:
        for tag in ("w:sz", "w:szCs"):
            _child(rpr, tag).set(qn("w:val"), str(int(size_pt * 2)))
    lang = _child(rpr, "w:lang")
    lang.set(qn("w:val"), "th-TH")
    lang.set(qn("w:bidi"), "th-TH")
    lang.set(qn("w:eastAsia"), "th-TH")
    in_schema_order(rpr)


# The order ECMA-376 gives the children of a run's properties (CT_RPr, w:rPr): Word refuses or
# "repairs" a document whose w:rPr has them in another order.
RPR_ORDER = [
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
    "eastAsianLayout",
    "specVanish",
    "oMath",
]
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def in_schema_order(rpr) -> None:
    """Put the children of a ``w:rPr`` in the schema's order (a stable sort: unknown ones last)."""

    def rank(element) -> int:
        tag = element.tag
        name = tag[len(_W) :] if isinstance(tag, str) and tag.startswith(_W) else None
        return RPR_ORDER.index(name) if name in RPR_ORDER else len(RPR_ORDER)

    children = sorted(rpr, key=rank)
    for element in children:
        rpr.remove(element)
        rpr.append(element)


def schema_order_everywhere(document) -> None:
    """Every ``w:rPr`` of the body, the styles and the headers in schema order (python-docx and
    the helpers below append some children at the end)."""
    roots = [document.element, document.styles.element]
    for section in document.sections:
        roots.append(section.header._element)
    for root in roots:
        for rpr in root.iter(qn("w:rPr")):
            in_schema_order(rpr)


def drop_styles_with_effects(document) -> None:
    """Drop python-docx's ``stylesWithEffects.xml`` (a Word 2010 copy of the styles, optional):
    left in, it would keep the default template's styles and fonts, which the schema checker
    reports as differing from ``styles.xml``."""
    part = document.part
    for rel_id, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            part.drop_rel(rel_id)


def style_font(style, *, size_pt: float, bold: bool = False) -> None:
    style.font.name = FONT
    style.font.size = Pt(size_pt)
    style.font.bold = bold
    style.font.color.rgb = None
    set_run_properties(style.element.get_or_add_rPr(), size_pt=size_pt, bold=bold)


def thai_styles(document) -> None:
    # Document defaults: every run inherits the Thai font and size.
    styles_element = document.styles.element
    doc_defaults = _child(styles_element, "w:docDefaults")
    if styles_element.index(doc_defaults) != 0:
        styles_element.remove(doc_defaults)
        styles_element.insert(0, doc_defaults)
    rpr_default = _child(doc_defaults, "w:rPrDefault")
    set_run_properties(_child(rpr_default, "w:rPr"), size_pt=BODY_PT)

    styles = document.styles
    normal = styles["Normal"]
    style_font(normal, size_pt=BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.line_spacing = 1.0

    title = styles["Title"]
    style_font(title, size_pt=24, bold=True)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(12)
    _remove_borders(title)

    for name, size in (("Heading 1", 20), ("Heading 2", 18), ("Heading 3", 16)):
        heading = styles[name]
        style_font(heading, size_pt=size, bold=True)
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.space_after = Pt(6)
        heading.paragraph_format.keep_with_next = True

    for name in ("Table Grid", "Caption", "List Number", "Header", "Footer"):
        if name in [s.name for s in styles]:
            style = styles[name]
            if name == "Caption":
                style_font(style, size_pt=14)
            elif style.type == 1:  # paragraph style
                style_font(style, size_pt=BODY_PT)


def _remove_borders(style) -> None:
    ppr = style.element.find(qn("w:pPr"))
    if ppr is not None:
        border = ppr.find(qn("w:pBdr"))
        if border is not None:
            ppr.remove(border)


# --- page ---------------------------------------------------------------------------------


def a4_page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
    section.header_distance = Cm(1.25)
    section.different_first_page_header_footer = True  # no number on the cover
    sect_pr = section._sectPr
    pg_num = sect_pr.find(qn("w:pgNumType"))
    if pg_num is None:
        pg_num = OxmlElement("w:pgNumType")
        # pgNumType comes after pgMar/pgSz-like elements; before cols is safe.
        cols = sect_pr.find(qn("w:cols"))
        if cols is not None:
            cols.addprevious(pg_num)
        else:
            sect_pr.append(pg_num)
    pg_num.set(qn("w:fmt"), "thaiNumbers")

    header = section.header
    paragraph = header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("- ")
    _page_field(paragraph)
    paragraph.add_run(" -")


def _page_field(paragraph) -> None:
    """A PAGE field shown in Thai digits (the section's pgNumType is thaiNumbers)."""
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run._r.append(begin)
    run = paragraph.add_run()
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    # No "\\* ThaiArabic" switch: Word takes Thai digits from the section's
    # pgNumType (thaiNumbers), while LibreOffice misreads that switch as Thai
    # *letters* (ก ข ค) and, not knowing thaiNumbers, falls back to 1 2 3.
    instr.text = " PAGE "
    run._r.append(instr)
    run = paragraph.add_run()
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    paragraph.add_run("๒")
    run = paragraph.add_run()
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def save(document, path: Path) -> None:
    """Save in the order the schema wants, without the stale Word 2010 styles copy."""
    schema_order_everywhere(document)
    drop_styles_with_effects(document)
    document.save(path)


def new_document():
    document = Document()
    thai_styles(document)
    a4_page(document)
    # The default template starts with one empty paragraph; reuse it.
    body = document.element.body
    for paragraph in list(body.iterchildren(qn("w:p"))):
        body.remove(paragraph)
    return document


# --- helpers for content -----------------------------------------------------------------------


def paragraph(document, text: str = "", *, style: str | None = None, align=None, bold: bool = False, size_pt=None):
    p = document.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        if bold:
            run.bold = True
            _child(run._r.get_or_add_rPr(), "w:bCs")
        if size_pt:
            run.font.size = Pt(size_pt)
            _child(run._r.get_or_add_rPr(), "w:szCs").set(qn("w:val"), str(int(size_pt * 2)))
    if align is not None:
        p.alignment = align
    return p


#: The owner's position and academic standing, each where the profile has it.
POSITION_AND_STANDING = (
    "{% if profile.position %}ตำแหน่ง{{ profile.position }}{% endif %}"
    "{% if profile.academic_standing %} วิทยฐานะ{{ profile.academic_standing }}{% endif %}"
)


def cover_profile(document, *, space_before_pt: float) -> None:
    """A cover page's owner: position and standing, then group, office, agency and ministry,
    centred in bold 18 pt, the group ``space_before_pt`` below the position."""
    center = WD_ALIGN_PARAGRAPH.CENTER
    paragraph(document, POSITION_AND_STANDING, align=center, bold=True, size_pt=18)
    for index, field in enumerate(("work_group", "office", "agency", "ministry")):
        p = paragraph(document, "{{ profile.%s }}" % field, align=center, bold=True, size_pt=18)
        if index == 0:
            p.paragraph_format.space_before = Pt(space_before_pt)


def signature(document, lines, *, space_before_pt: float) -> None:
    """A signature block: ``lines`` centred 5 cm in, kept together, ``space_before_pt`` above."""
    for index, text in enumerate(lines):
        p = paragraph(document, text, align=WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.left_indent = Cm(5)
        p.paragraph_format.keep_with_next = index < len(lines) - 1
        if index == 0:
            p.paragraph_format.space_before = Pt(space_before_pt)


def new_page(p) -> None:
    """Start ``p`` on a new page (no empty paragraph that could spill onto a page of its own)."""
    p.paragraph_format.page_break_before = True


def repeat_header_row(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))  # on (the schema's ST_OnOff has no "true" in strict checkers)


def cant_split_row(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def set_cell_text(cell, text: str, *, bold: bool = False, align=None) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    run = p.add_run(text)
    if bold:
        run.bold = True
        _child(run._r.get_or_add_rPr(), "w:bCs")
    if align is not None:
        p.alignment = align


def table(document, widths_cm: list[float], header: list[str], *, write=set_cell_text):
    """A fixed-width table whose first row, repeated on every page, is ``header`` (bold, centred,
    each cell written by ``write``: set_cell_text or small_cell)."""
    t = document.add_table(rows=1, cols=len(widths_cm))
    t.style = document.styles["Table Grid"]
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for cell, text in zip(t.rows[0].cells, header):
        write(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    repeat_header_row(t.rows[0])
    _fixed_widths(t, widths_cm)
    _look_as_in_word_2007(t)
    for column, width in zip(t.columns, widths_cm):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)
    return t


def _look_as_in_word_2007(t) -> None:
    """Keep ``w:tblLook`` to its ``w:val`` bitmask (04A0: first row, first column, no banding),
    which every version of the schema has, without the spelled-out attributes of Word 2010+."""
    look = t._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:
        for name in ("firstColumn", "firstRow", "lastColumn", "lastRow", "noHBand", "noVBand"):
            look.attrib.pop(qn(f"w:{name}"), None)


def _fixed_widths(t, widths_cm: list[float]) -> None:
    """Column widths that Word *and* LibreOffice honour: the grid, the table width, fixed layout."""
    tbl = t._tbl
    for grid_col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        grid_col.set(qn("w:w"), str(int(Cm(width).twips)))
    tbl_pr = tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(int(Cm(sum(widths_cm)).twips)))
    tbl_w.set(qn("w:type"), "dxa")
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")


def fill_row(row, texts: list[str], widths_cm: list[float], write):
    """Each cell of ``row`` written by ``write(index, cell, text)`` and given its width."""
    for index, (cell, text, width) in enumerate(zip(row.cells, texts, widths_cm)):
        write(index, cell, text)
        cell.width = Cm(width)
    return row


def add_row(t, texts: list[str], widths_cm: list[float], *, align_first_center: bool = False):
    def write(index: int, cell, text: str) -> None:
        set_cell_text(cell, text, align=WD_ALIGN_PARAGRAPH.CENTER if (index == 0 and align_first_center) else None)

    return fill_row(t.add_row(), texts, widths_cm, write)


# --- the manual --------------------------------------------------------------------------------


def build_manual(path: Path) -> None:
    d = new_document()
    center = WD_ALIGN_PARAGRAPH.CENTER

    # Cover page, as the seed's: title, owner, office, spaced down the page.
    paragraph(d, "{{ manual.title }}", style="Title").paragraph_format.space_before = Pt(140)
    paragraph(d, "{{ profile.name }}", align=center, bold=True, size_pt=20).paragraph_format.space_before = Pt(120)
    cover_profile(d, space_before_pt=120)

    # Whose manual, and the list of responsibilities.
    new_page(paragraph(d, "{{ profile.name }}", bold=True, size_pt=18))
    paragraph(
        d,
        "{% if profile.position %}ตำแหน่ง {{ profile.position }}{% endif %}{% if profile.academic_standing %} วิทยฐานะ{{ profile.academic_standing }}{% endif %}",
    )
    paragraph(d, "{%p if profile.work_unit %}")
    paragraph(d, "กลุ่มงาน {{ profile.work_unit }}")
    paragraph(d, "{%p endif %}")
    paragraph(d, "{{ profile.work_group }}")
    paragraph(d, "{{ profile.office }}")
    paragraph(d)
    paragraph(d, "งานในหน้าที่รับผิดชอบ", style="Heading 2")
    paragraph(d, "{%p for duty in duties %}")
    p = paragraph(d, "{{ duty.number|thai }}. {{ duty.title }}")
    p.paragraph_format.left_indent = Cm(0.75)
    p.paragraph_format.first_line_indent = Cm(-0.75)
    paragraph(d, "{%p endfor %}")

    # มาตรฐานการปฏิบัติงาน: one heading and one table a duty.
    new_page(paragraph(d, "มาตรฐานการปฏิบัติงาน", style="Heading 1", align=center))
    paragraph(d, "{%p for duty in duties %}")
    paragraph(d, "เรื่องที่ {{ duty.number|thai }}. {{ duty.title }}", style="Heading 2")
    widths = [1.3, 7.35, 7.35]
    t = table(d, widths, ["ที่", "กิจกรรม/วิธีปฏิบัติ", "มาตรฐานการปฏิบัติงาน"])
    add_row(t, ["{%tr for row in duty.standards %}", "", ""], widths)
    row = add_row(
        t, ["{{ row.step|thai }}.", "{{ row.activity }}", "{{ row.standard }}"], widths, align_first_center=True
    )
    cant_split_row(row)
    add_row(t, ["{%tr endfor %}", "", ""], widths)
    paragraph(d)
    paragraph(d, "{%p endfor %}")

    # Closing block, as the seed ends.
    paragraph(d)
    for field in ("work_group", "office", "agency", "ministry"):
        paragraph(d, "{{ profile.%s }}" % field, align=center)

    d.core_properties.title = "คู่มือปฏิบัติงาน"
    d.core_properties.author = "nitet"
    save(d, path)


# --- the term report -----------------------------------------------------------------------------


def small_cell(cell, text: str, *, bold: bool = False, align=None, size_pt: float = 14) -> None:
    """Table text a little smaller than the body (14 pt), for Latin and Thai alike."""
    set_cell_text(cell, text, bold=bold, align=align)
    for run in cell.paragraphs[0].runs:
        run.font.size = Pt(size_pt)
        _child(run._r.get_or_add_rPr(), "w:szCs").set(qn("w:val"), str(int(size_pt * 2)))


# The report's tables: 14 pt text in cells with 0.1 cm left/right margins (Word's default is
# 0.19 cm). Column widths are chosen so that every header word, a 10-digit school code in Thai
# digits and each status word fit on one line: measured in Laksaman (the metric twin of TH
# SarabunPSK) at 14 pt bold, e.g. กิจกรรม 1.67 cm, โรงเรียน 1.67, หลักฐาน 1.76, เป้าหมาย 1.90,
# สถานศึกษา 2.34, ดำเนินการ 2.13 (so ดำเนินการแล้ว, กำลังดำเนินการ and ยังไม่ดำเนินการ take at most
# two lines), ๑๐๕๗๐๑๐๐๐๔ 3.33 (regular); a column is the word plus 0.2 cm of margins plus
# about 0.1 cm to spare. tests/test_report_layout.py checks them in LibreOffice's PDF.
CELL_MARGIN_CM = 0.1


def _table_property(t, tag: str, sides: tuple[str, ...], *, before: str, **attributes: str) -> None:
    """A table property ``tag`` with one child a side, each with ``attributes``, put before the
    table's ``before`` property (the schema's order), or last when it has none."""
    element = OxmlElement(tag)
    for side in sides:
        child = OxmlElement(f"w:{side}")
        for name, value in attributes.items():
            child.set(qn(name), value)
        element.append(child)
    tbl_pr = t._tbl.tblPr
    anchor = tbl_pr.find(qn(before))
    if anchor is not None:
        anchor.addprevious(element)
    else:
        tbl_pr.append(element)


def narrow_margins(t, cm: float = CELL_MARGIN_CM) -> None:
    """Left and right cell margins of the whole table (w:tblCellMar, after w:tblLayout)."""
    _table_property(
        t, "w:tblCellMar", ("left", "right"), before="w:tblLook", **{"w:w": str(int(Cm(cm).twips)), "w:type": "dxa"}
    )


def small_table(document, widths_cm: list[float], header: list[str] | None):
    assert abs(sum(widths_cm) - 16.0) < 0.01, f"a table spans the 16 cm between the margins, not {sum(widths_cm)}"
    t = table(document, widths_cm, header or [""] * len(widths_cm), write=small_cell)
    narrow_margins(t)
    if not header:
        t._tbl.remove(t.rows[0]._tr)
    return t


def small_row(t, texts: list[str], widths_cm: list[float], *, bold: bool = False, center: tuple[int, ...] = ()):
    def write(index: int, cell, text: str) -> None:
        small_cell(cell, text, bold=bold, align=WD_ALIGN_PARAGRAPH.CENTER if index in center else None)

    return fill_row(t.add_row(), texts, widths_cm, write)


def repeated_row(t, loop: str, texts: list[str], widths_cm: list[float], **options):
    """One :func:`small_row` (kept whole on its page) repeated by ``{%tr <loop> %}`` … ``{%tr endfor %}``."""
    tag_row(t, "{%tr " + loop + " %}", widths_cm)
    row = small_row(t, texts, widths_cm, **options)
    cant_split_row(row)
    tag_row(t, "{%tr endfor %}", widths_cm)
    return row


def tag_row(t, tag: str, widths_cm: list[float]):
    """A row that only carries a docxtpl ``{%tr … %}`` tag (removed when rendered)."""
    return add_row(t, [tag] + [""] * (len(widths_cm) - 1), widths_cm)


def indented(document, text: str, *, cm: float = 0.75, bold: bool = False):
    p = paragraph(document, text, bold=bold)
    p.paragraph_format.left_indent = Cm(cm)
    return p


def follow_up_section(d) -> None:
    """ส่วนที่ ๔ การติดตามผลการนิเทศ: the follow-ups given in the report's days, counted by status,
    then a table a school (ที่ | ข้อเสนอแนะ | วันที่ให้ | ติดตามภายใน | สถานะ | ผลการติดตาม); a report
    with none says so in one line."""
    new_page(paragraph(d, "ส่วนที่ ๔ การติดตามผลการนิเทศ", style="Heading 1"))
    paragraph(d, "{%p if not follow_ups.schools %}")
    p = paragraph(
        d,
        "ไม่มีข้อเสนอแนะที่ต้องติดตามซึ่งให้ไว้ระหว่างวันที่ {{ report.start|thai_date }} ถึงวันที่ {{ report.end|thai_date }}",
    )
    p.paragraph_format.first_line_indent = Cm(1.25)
    paragraph(d, "{%p else %}")
    p = paragraph(
        d,
        "ข้อเสนอแนะที่ให้สถานศึกษาไว้เพื่อติดตามผลระหว่างวันที่ {{ report.start|thai_date }} ถึงวันที่ {{ report.end|thai_date }}"
        " รวม {{ follow_ups.counts.total|thai }} รายการ ใน {{ follow_ups.schools|length|thai }} แห่ง"
        " ดำเนินการแล้ว {{ follow_ups.counts.done|thai }} รายการ ดำเนินการบางส่วน {{ follow_ups.counts.partly|thai }} รายการ"
        " ยังไม่ได้ดำเนินการ {{ follow_ups.counts.not_done|thai }} รายการ และรอติดตาม {{ follow_ups.counts.open|thai }} รายการ"
        "{% if follow_ups.counts.overdue %} (เลยกำหนดติดตาม {{ follow_ups.counts.overdue|thai }} รายการ){% endif %}",
    )
    p.paragraph_format.first_line_indent = Cm(1.25)
    paragraph(d, "{%p for s in follow_ups.schools %}")
    paragraph(
        d, "{{ s.name }} ({{ s.code|thai }}){% if s.group %} กลุ่มโรงเรียน{{ s.group }}{% endif %}", style="Heading 3"
    )
    # สถานะ holds รอติดตาม (เลยกำหนด) and ดำเนินการบางส่วน on two lines, each word whole.
    widths = [0.9, 3.95, 2.1, 2.2, 2.85, 4.0]
    t = small_table(d, widths, ["ที่", "ข้อเสนอแนะ", "วันที่ให้", "ติดตาม\nภายใน", "สถานะ", "ผลการติดตาม"])
    repeated_row(
        t,
        "for f in s.rows",
        [
            "{{ f.no|thai }}",
            "{{ f.text }}",
            "{{ f.given_on|thai_date_short }}",
            "{{ f.check_by_text }}",
            "{{ f.status_text }}",
            "{{ f.result }}{% if f.closed_on %} ({{ f.closed_on|thai_date_short }}){% endif %}",
        ],
        widths,
        center=(0, 2, 3),
    )
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endif %}")


def no_borders(t) -> None:
    _table_property(
        t,
        "w:tblBorders",
        ("top", "left", "bottom", "right", "insideH", "insideV"),
        before="w:tblLayout",
        **{"w:val": "nil"},
    )


DOTS = ".................................................."


def dotted_line(document, text: str = ""):
    """``text`` then dots to the right margin: a tab with a dot leader (Word and LibreOffice alike)."""
    from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER

    p = paragraph(document, text + "\t")
    p.paragraph_format.tab_stops.add_tab_stop(Cm(16), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    p.paragraph_format.keep_with_next = True
    return p


def endorsement(d) -> None:
    """ความเห็นของผู้บังคับบัญชา: lines for the comment, then the endorser's signature, name,
    position and date; the name and position from the profile where an endorser is set
    (``profile set --endorser-name/--endorser-position``), else dotted lines to fill in by hand.
    Kept on one page (every line keeps with the next)."""
    p = paragraph(d, "ความเห็นของผู้บังคับบัญชา", bold=True)
    p.paragraph_format.space_before = Pt(24)
    p.paragraph_format.keep_with_next = True
    for _ in range(3):
        dotted_line(d)
    lines = (
        "ลงชื่อ " + DOTS,
        "({% if profile.endorser_name %}{{ profile.endorser_name }}{% else %}" + DOTS + "{% endif %})",
        "ตำแหน่ง{% if profile.endorser_position %}{{ profile.endorser_position }}{% else %} " + DOTS + "{% endif %}",
        "วันที่ ........ เดือน ........................ พ.ศ. ............",
    )
    signature(d, lines, space_before_pt=18)


def build_report(path: Path) -> None:
    """รายงานผลการปฏิบัติงานประจำภาคเรียน: cover, summary, coverage, entries, signature, appendix."""
    d = new_document()
    center = WD_ALIGN_PARAGRAPH.CENTER

    # Cover (a supervisor may put the office's letterhead or logo above the title in Word).
    paragraph(d, "{{ report.title }}", style="Title").paragraph_format.space_before = Pt(120)
    # report.heading: ภาคเรียนที่ ๒ ปีการศึกษา ๒๕๖๙, ประจำเดือนพฤศจิกายน พ.ศ. ๒๕๖๙, or the dates of any other period.
    paragraph(d, "{{ report.heading }}", align=center, bold=True, size_pt=22)
    paragraph(d, "{%p if report.period != 'range' %}")
    paragraph(d, "ระหว่างวันที่ {{ report.start|thai_date }} ถึงวันที่ {{ report.end|thai_date }}", align=center)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{{ profile.name }}", align=center, bold=True, size_pt=20).paragraph_format.space_before = Pt(110)
    paragraph(d, "{%p if group.is_group %}")
    paragraph(
        d, "รวมผลการปฏิบัติงานของศึกษานิเทศก์ {{ group.supervisors_active|thai }} คน", align=center, bold=True, size_pt=18
    )
    paragraph(d, "{%p endif %}")
    cover_profile(d, space_before_pt=110)

    # ส่วนที่ ๑: the figures.
    new_page(paragraph(d, "ส่วนที่ ๑ สรุปผลการปฏิบัติงาน", style="Heading 1"))
    p = paragraph(
        d,
        "{% if report.period == 'term' %}{{ report.heading }} {% elif report.period == 'month' %}เดือน{{ report.month_name }}"
        " {{ report.month_year|thai }} {% endif %}ระหว่างวันที่ {{ report.start|thai_date }}"
        " ถึงวันที่ {{ report.end|thai_date }} ได้ดำเนินกิจกรรมตามมาตรฐานการปฏิบัติงานรวม {{ totals.activities|thai }} รายการ"
        " ในสถานศึกษา {{ totals.schools|thai }} แห่ง{% if totals.teachers %} ครู {{ totals.teachers|thai }} คน{% endif %}"
        " มีร่องรอยหลักฐาน {{ totals.evidence|thai }} รายการ"
        " (ภาพกิจกรรม {{ totals.photos|thai }} ภาพ) มาตรฐานที่ดำเนินการแล้ว {{ totals.standards_done|thai }}"
        " กำลังดำเนินการ {{ totals.standards_in_progress|thai }} และยังไม่ดำเนินการ {{ totals.standards_not_started|thai }}"
        " จากทั้งหมด {{ totals.standards|thai }} มาตรฐาน",
    )
    p.paragraph_format.first_line_indent = Cm(1.25)
    paragraph(d, "{%p if report.empty %}")
    p = paragraph(d, "{{ report.span }}ยังไม่มีการบันทึกกิจกรรม จึงยังไม่มีผลการปฏิบัติงานให้รายงาน", bold=True)
    p.paragraph_format.first_line_indent = Cm(1.25)
    paragraph(d, "{%p endif %}")
    paragraph(d)
    widths = [1.2, 5.25, 2.0, 2.0, 1.0, 2.1, 2.45]
    t = small_table(d, widths, ["ที่", "งาน/กิจกรรมตามมาตรฐาน", "กิจกรรม", "โรงเรียน", "ครู", "หลักฐาน", "สถานะ"])
    tag_row(t, "{%tr for duty in duties %}", widths)
    row = small_row(
        t,
        [
            "{{ duty.number|thai }}",
            "{{ duty.title }}",
            "{{ duty.activities|thai }}",
            "{{ duty.schools|thai }}",
            "{{ duty.teachers|thai }}",
            "{{ duty.evidence|thai }}",
            "{{ duty.state_label }}",
        ],
        widths,
        bold=True,
        center=(0, 2, 3, 4, 5),
    )
    cant_split_row(row)
    repeated_row(
        t,
        "for s in duty.standards",
        [
            "{{ s.id|thai }}",
            "{{ s.activity }}",
            "{{ s.activities|thai }}",
            "{{ s.schools|thai }}",
            "{{ s.teachers|thai }}",
            "{{ s.evidence|thai }}",
            "{{ s.state_label }}",
        ],
        widths,
        center=(0, 2, 3, 4, 5),
    )
    tag_row(t, "{%tr endfor %}", widths)
    small_row(
        t,
        [
            "",
            "รวม",
            "{{ totals.activities|thai }}",
            "{{ totals.schools|thai }}",
            "{{ totals.teachers|thai }}",
            "{{ totals.evidence|thai }}",
            "",
        ],
        widths,
        bold=True,
        center=(2, 3, 4, 5),
    )
    paragraph(
        d,
        "หมายเหตุ: นับกิจกรรมที่บันทึกไว้ระหว่างวันแรกถึงวันสุดท้ายของรายงาน กิจกรรมหนึ่งที่สัมพันธ์กับหลายมาตรฐานนับในทุกมาตรฐานนั้น"
        " แต่นับครั้งเดียวในแต่ละเรื่องและในยอดรวม ครูคือจำนวนครูที่ได้รับการนิเทศหรือเข้าร่วมที่บันทึกไว้ในแต่ละกิจกรรม",
        size_pt=14,
    )

    # A group (merged) database: what each supervisor did, and the group together against the targets.
    paragraph(d, "{%p if group.is_group %}")
    paragraph(d, "ผลการปฏิบัติงานรายบุคคล", style="Heading 2")
    p = paragraph(
        d,
        "ฐานข้อมูลนี้รวมผลการปฏิบัติงานของศึกษานิเทศก์ {{ group.supervisors|thai }} คน มีกิจกรรมใน{{ report.span }}"
        " {{ group.supervisors_active|thai }} คน ตัวเลขของแต่ละคนและของทั้งกลุ่มเป็นดังนี้",
    )
    p.paragraph_format.first_line_indent = Cm(1.25)
    widths = [1.1, 5.9, 2.0, 2.0, 2.1, 2.9]
    # A header of several words breaks where it is given a line break ("\n"), never inside a word.
    t = small_table(d, widths, ["ที่", "ศึกษานิเทศก์", "กิจกรรม", "โรงเรียน", "หลักฐาน", "นิเทศตาม\nเป้าหมาย (ครั้ง)"])
    repeated_row(
        t,
        "for p in supervisors",
        [
            "{{ loop.index|thai }}",
            "{{ p.name }}",
            "{{ p.activities|thai }}",
            "{{ p.schools|thai }}",
            "{{ p.evidence|thai }}",
            "{{ p.target_visits|thai }}",
        ],
        widths,
        center=(0, 2, 3, 4, 5),
    )
    small_row(
        t,
        [
            "",
            "รวมทั้งกลุ่ม",
            "{{ group.activities|thai }}",
            "{{ group.schools|thai }}",
            "{{ group.evidence|thai }}",
            "{{ group.target_visits|thai }}",
        ],
        widths,
        bold=True,
        center=(2, 3, 4, 5),
    )
    paragraph(d, "หมายเหตุ: โรงเรียนที่ศึกษานิเทศก์หลายคนไปนิเทศนับครั้งเดียวในยอดรวมของกลุ่ม", size_pt=14)
    paragraph(d, "{%p for t in group_targets %}")
    paragraph(
        d,
        "มาตรฐานที่ {{ t.standard|thai }} {{ t.scope }} ได้รับการนิเทศอย่างน้อยภาคเรียนละ {{ t.min_per_term|thai }} ครั้ง",
        style="Heading 3",
    )
    paragraph(
        d,
        "ทั้งกลุ่มนิเทศสถานศึกษา {{ t.together.schools_visited|thai }} แห่ง รวม {{ t.together.visits|thai }} ครั้ง"
        " ถึงเป้าหมายเมื่อนับการนิเทศของทุกคนรวมกัน {{ t.together.schools_met|thai }} จาก {{ t.target_schools|thai }} แห่ง"
        "{% if t.counts_note %} ({{ t.counts_note }}){% endif %}",
    )
    widths = [1.1, 8.55, 1.0, 2.6, 2.75]
    t = small_table(d, widths, ["ที่", "ศึกษานิเทศก์", "ครั้ง", "สถานศึกษา\nที่นิเทศ", "ถึงเป้าหมาย\nด้วยตนเอง (แห่ง)"])
    repeated_row(
        t,
        "for r in t.rows",
        [
            "{{ loop.index|thai }}",
            "{{ r.name }}",
            "{{ r.visits|thai }}",
            "{{ r.schools_visited|thai }}",
            "{{ r.schools_met|thai }}",
        ],
        widths,
        center=(0, 2, 3, 4),
    )
    small_row(
        t,
        [
            "",
            "รวมทั้งกลุ่ม",
            "{{ t.together.visits|thai }}",
            "{{ t.together.schools_visited|thai }}",
            "{{ t.together.schools_met|thai }}",
        ],
        widths,
        bold=True,
        center=(2, 3, 4),
    )
    paragraph(d)
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endif %}")

    # ส่วนที่ ๒: school visits against the targets of the manual.
    new_page(
        paragraph(
            d,
            "ส่วนที่ ๒ การนิเทศสถานศึกษาตามเป้าหมาย{% if group.is_group_database %} (รวมทั้งกลุ่ม){% endif %}",
            style="Heading 1",
        )
    )
    paragraph(d, "{%p if group.is_group_database %}")
    p = paragraph(
        d,
        "จำนวนครั้งในส่วนนี้นับการนิเทศของศึกษานิเทศก์ทุกคนในฐานข้อมูลรวมกัน"
        "{% if group.names %} ({{ group.names }}){% endif %} สถานศึกษาถึงเป้าหมายเมื่อการนิเทศของทุกคนรวมกันถึงจำนวนที่กำหนด",
    )
    p.paragraph_format.first_line_indent = Cm(1.25)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if report.period != 'term' %}")
    p = paragraph(
        d,
        "นับการนิเทศระหว่างวันที่ {{ report.start|thai_date }} ถึงวันที่ {{ report.end|thai_date }}"
        " เทียบกับเป้าหมายจำนวนครั้งต่อภาคเรียนของคู่มือปฏิบัติงาน",
    )
    p.paragraph_format.first_line_indent = Cm(1.25)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if not coverage %}")
    paragraph(d, "คู่มือปฏิบัติงานไม่ได้กำหนดเป้าหมายจำนวนครั้งของการนิเทศสถานศึกษา")
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p for c in coverage %}")
    paragraph(
        d,
        "มาตรฐานที่ {{ c.standard|thai }} {{ c.scope }} ได้รับการนิเทศอย่างน้อยภาคเรียนละ {{ c.min_per_term|thai }} ครั้ง",
        style="Heading 2",
    )
    paragraph(
        d,
        "ถึงเป้าหมาย {{ c.schools_met|thai }} จาก {{ c.schools|thai }} แห่ง{% if c.counts_note %} ({{ c.counts_note }}){% endif %}",
    )
    paragraph(d, "{%p if not c.groups %}")
    paragraph(d, "ยังไม่มีรายชื่อสถานศึกษาในกลุ่มนี้")
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p for g in c.groups %}")
    paragraph(d, "{{ g.name }} (ถึงเป้าหมาย {{ g.schools_met|thai }} จาก {{ g.schools|thai }} แห่ง)", style="Heading 3")
    widths = [1.2, 3.65, 4.4, 1.0, 2.15, 3.6]
    t = small_table(d, widths, ["ที่", "รหัส", "สถานศึกษา", "ครั้ง", "เป้าหมาย", "ผล"])
    row = repeated_row(
        t,
        "for r in g.rows",
        ["{{ r.no|thai }}", "{{ r.code|thai }}", "{{ r.name }}", "{{ r.visits|thai }}", "{{ r.target|thai }}", ""],
        widths,
        center=(0, 1, 3, 4),
    )
    # The result: plain when met; bold red when below the target, so it stands out on paper and screen.
    # A note after it (ต่ำกว่าเป้าหมาย (นิเทศในมาตรฐานอื่น ๑ ครั้ง)) follows in plain 12 pt, so that the
    # status stays whole on its line and the note takes two short lines under it.
    mark = row.cells[5].paragraphs[0]
    mark.add_run("{% if r.met %}{{ r.mark }}{% else %}{% set status, _, note = r.mark.partition(' (') %}")
    below = mark.add_run("{{ status }}")
    below.bold = True
    _child(below._r.get_or_add_rPr(), "w:bCs")
    from docx.shared import RGBColor

    below.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    note = mark.add_run("{% if note %} ({{ note }}{% endif %}{% endif %}")
    for run in mark.runs:
        size = 12 if run._r is note._r else 14
        run.font.size = Pt(size)
        _child(run._r.get_or_add_rPr(), "w:szCs").set(qn("w:val"), str(size * 2))
    paragraph(d)
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endfor %}")

    # ส่วนที่ ๓: what was done, per duty and standard, in date order.
    new_page(paragraph(d, "ส่วนที่ ๓ ผลการปฏิบัติงานตามมาตรฐาน", style="Heading 1"))
    paragraph(d, "{%p if report.empty %}")
    paragraph(d, "{{ report.span }}ยังไม่มีการบันทึกกิจกรรม")
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p for duty in duties %}")
    paragraph(d, "{%p if duty.activities %}")
    paragraph(d, "เรื่องที่ {{ duty.number|thai }} {{ duty.title }}", style="Heading 2")
    paragraph(d, "{%p for s in duty.standards %}")
    paragraph(d, "{%p if s.entries %}")
    paragraph(d, "{{ s.id|thai }} {{ s.activity }}", style="Heading 3")
    indented(d, "มาตรฐาน: {{ s.standard }}", cm=0)
    paragraph(d, "{%p for e in s.entries %}")
    p = indented(d, "{{ e.no|thai }}) {{ e.date|thai_date }} {{ e.title }}", cm=0.75, bold=True)
    p.paragraph_format.space_before = Pt(6)
    p.paragraph_format.keep_with_next = True
    # The mode (ลงพื้นที่/ออนไลน์) is said of a visit only: a meeting or a website update has none to speak of.
    indented(
        d,
        "{{ e.kind_label }}{% if e.kind == 'visit' %} ({{ e.mode_label }}){% endif %}{% if e.school_names %} ณ {{ e.school_names }}{% endif %}{% if group.is_group and e.supervisor %} โดย {{ e.supervisor }}{% endif %}",
        cm=1.5,
    )
    paragraph(d, "{%p if e.teachers %}")
    indented(
        d, "{% if e.kind == 'visit' %}ครูที่ได้รับการนิเทศ{% else %}ครูที่เข้าร่วม{% endif %} {{ e.teachers|thai }} คน", cm=1.5
    )
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if e.participants %}")
    indented(d, "ผู้เข้าร่วม: {{ e.participants }}", cm=1.5)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if e.findings %}")
    indented(d, "ผลการนิเทศ: {{ e.findings }}", cm=1.5)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if e.suggestions %}")
    indented(d, "ข้อเสนอแนะ: {{ e.suggestions }}", cm=1.5)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p for l in e.links %}")
    indented(d, "หลักฐาน: {% if l.caption %}{{ l.caption }} {% endif %}{{ l.url }}", cm=1.5)
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p endfor %}")

    follow_up_section(d)

    # Signature block.
    paragraph(d)
    signature(
        d,
        (
            "ลงชื่อ ..................................................",
            "({% if profile.name %}{{ profile.name }}{% else %}..................................................{% endif %})",
            POSITION_AND_STANDING,
            "วันที่ {{ report.date|thai_date }}",
        ),
        space_before_pt=24,
    )

    endorsement(d)

    # ภาคผนวก: photos two to a row, then the files that are not shown as pictures.
    new_page(paragraph(d, "ภาคผนวก", style="Heading 1", align=center))
    paragraph(d, "ภาพกิจกรรม", style="Heading 2")
    paragraph(d, "{%p if not photo_rows %}")
    paragraph(d, "{{ report.span }}ไม่มีภาพกิจกรรม")
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if photo_rows %}")
    widths = [8.0, 8.0]
    t = small_table(d, widths, None)
    no_borders(t)
    tag_row(t, "{%tr for row in photo_rows %}", widths)
    row = t.add_row()
    cant_split_row(row)
    for cell, side, width in zip(row.cells, ("left", "right"), widths):
        cell.width = Cm(width)
        small_cell(cell, "{{ row.%s.image }}" % side, align=center)
        caption = cell.add_paragraph(style="Caption")
        caption.alignment = center
        caption.add_run("{{ row.%s.date|thai_date_short }} {{ row.%s.school }}" % (side, side))
        caption = cell.add_paragraph(style="Caption")
        caption.alignment = center
        caption.paragraph_format.space_after = Pt(10)
        caption.add_run("{{ row.%s.caption }}" % side)
    tag_row(t, "{%tr endfor %}", widths)
    paragraph(d, "{%p endif %}")
    paragraph(d, "{%p if files %}")
    paragraph(d, "ไฟล์หลักฐานอื่น", style="Heading 2")
    paragraph(d, "{%p for f in files %}")
    indented(
        d,
        "{{ loop.index|thai }}. {{ f.name }} — {{ f.date|thai_date_short }}{% if f.school %} {{ f.school }}{% endif %}{% if f.caption %} ({{ f.caption }}){% endif %}",
        cm=0,
    )
    paragraph(d, "{%p endfor %}")
    paragraph(d, "{%p endif %}")

    d.core_properties.title = "รายงานผลการปฏิบัติงาน"
    d.core_properties.author = "nitet"
    save(d, path)


BUILDERS = {"manual": build_manual, "report": build_report}


def main(argv: list[str]) -> int:
    names = argv or list(BUILDERS)
    TEMPLATES.mkdir(exist_ok=True)
    for name in names:
        out = TEMPLATES / f"{name}.docx"
        BUILDERS[name](out)
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
