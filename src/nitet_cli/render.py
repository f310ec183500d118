"""Rendering DOCX documents from Word templates that hold Jinja tags (docxtpl).

Templates are the user's: ``templates/*.docx`` open and edit in Word. They are
rendered in Jinja's sandbox with autoescaping, so user text such as ``{{ 7*7 }}`` or
``<b>&`` comes out literally, and every string of the context is stripped of the
characters XML 1.0 forbids. A template's own code is input too: its work is bounded
(:mod:`nitet_cli.template_limits`: operator and loop limits, then a child process with a
time, memory and output limit), and any error in it is one sentence with its line. The
output is written through ``files.atomic_write`` (a temporary file beside the target
renamed over it, owner-only), so a failure never leaves a half-written document, and
never over the database, its evidence store or the template.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nitet_cli.errors import InputError, NotFoundError, OutputError
from nitet_cli.paths import templates_dir
from nitet_cli.text import strip_xml_forbidden

TEMPLATE_NAMES = ("manual", "report")
TEMPLATE_DESCRIPTIONS = {
    "manual": "คู่มือปฏิบัติงาน (nitet manual export)",
    "report": "รายงานผลการปฏิบัติงานประจำภาคเรียน (nitet report)",
}


@dataclass(frozen=True)
class ImageRef:
    """A picture for the template (``{{ photo.image }}``): a file and its size in centimetres.

    The renderer turns it into a docxtpl ``InlineImage`` of the document being rendered.
    """

    path: Path
    width_cm: float
    height_cm: float


def template_path(name_or_path: str | os.PathLike) -> Path:
    """A built-in template by name (``manual``) or a user's template file by path."""
    text = str(name_or_path)
    if text in TEMPLATE_NAMES:
        return templates_dir() / f"{text}.docx"
    path = Path(text).expanduser()
    if not path.exists():
        raise NotFoundError(f"ไม่พบแม่แบบ {path} — ใช้ชื่อแม่แบบในตัว ({', '.join(TEMPLATE_NAMES)}) หรือเส้นทางไฟล์ .docx ที่มีอยู่")
    if path.is_dir() or path.suffix.lower() != ".docx":
        raise InputError(f"แม่แบบ {path} ต้องเป็นไฟล์ .docx ที่เปิดแก้ได้ใน Word")
    return path


def sanitize(value: Any) -> Any:
    """Strip XML-forbidden characters from every string inside ``value``."""
    if isinstance(value, str):
        return strip_xml_forbidden(value)
    if isinstance(value, ImageRef):
        return value
    if isinstance(value, dict):
        return {k: sanitize(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize(v) for v in value]
    return value


def builtin_templates() -> list[dict]:
    return [
        {"name": name, "description": TEMPLATE_DESCRIPTIONS[name], "path": str(templates_dir() / f"{name}.docx")}
        for name in TEMPLATE_NAMES
    ]


def export_template(name: str, destination: str | os.PathLike, *, db: Path | None, force: bool = False) -> Path:
    """Copy built-in template ``name`` into folder ``destination`` (or to that .docx path).

    ``db``: the database in use, which the copy must never overwrite."""
    if name not in TEMPLATE_NAMES:
        from nitet_cli.text import nearest

        close = nearest(name, list(TEMPLATE_NAMES))
        hint = f"หมายถึง {', '.join(close)} หรือไม่" if close else f"มี: {', '.join(TEMPLATE_NAMES)}"
        raise NotFoundError(f"ไม่มีแม่แบบในตัวชื่อ '{name}' — {hint}")
    from nitet_cli.files import check_output, copy_into

    target = Path(destination).expanduser()
    if target.is_dir():
        target = target / f"{name}.docx"
    elif target.suffix.lower() != ".docx":
        raise OutputError(f"ไม่มีโฟลเดอร์ {target} — สร้างโฟลเดอร์ก่อน หรือระบุชื่อไฟล์ .docx")
    source = templates_dir() / f"{name}.docx"
    reading = [(source, "แม่แบบในตัวของ nitet")]
    check_output(target, db=db, reading=reading)
    if target.exists() and not force:
        raise OutputError(f"มีไฟล์ {target} อยู่แล้ว — ใช้ --force เพื่อเขียนทับ หรือเลือกที่อื่น (แม่แบบที่คุณแก้ไว้จะไม่ถูกแตะ)")
    return copy_into(source, target, db=db, reading=reading)


def jinja_environment():
    from nitet_cli.template_limits import bounded_environment
    from nitet_cli.thai import thai_date, thai_date_short, thai_digits

    env = bounded_environment(autoescape=True)  # the sandbox, with its work bounded
    env.filters["thai"] = thai_digits
    env.filters["thai_date"] = thai_date
    env.filters["thai_date_short"] = thai_date_short
    return env


def _with_images(value: Any, document) -> Any:
    """Replace every ImageRef in ``value`` by an InlineImage of ``document``."""
    if isinstance(value, ImageRef):
        from docx.shared import Cm
        from docxtpl import InlineImage

        return InlineImage(document, str(value.path), width=Cm(value.width_cm), height=Cm(value.height_cm))
    if isinstance(value, dict):
        return {k: _with_images(v, document) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_images(v, document) for v in value]
    return value


def _fast_image_lookup(document) -> None:
    """Make adding many pictures linear instead of quadratic.

    python-docx looks for an identical picture already in the package by hashing every
    image part again for each new one (a few seconds for 500 photos). Keep the hashes
    in a dict instead: the same parts, the same de-duplication, found in O(1).
    """
    document.init_docx()  # load now; render() keeps this document (it reloads only after a render)
    try:
        parts = document.docx.part.package.image_parts
        known = {part.sha1: part for part in parts}
        add = parts._add_image_part
    except AttributeError:  # another python-docx: keep its own (slower) lookup
        return

    def add_and_remember(image):
        part = add(image)
        known[image.sha1] = part
        return part

    parts._get_by_sha1 = known.get
    parts._add_image_part = add_and_remember


_BOUNDED_TEMPLATE = None


def _bounded_template_class():
    global _BOUNDED_TEMPLATE
    if _BOUNDED_TEMPLATE is None:
        _BOUNDED_TEMPLATE = _make_bounded_template_class()
    return _BOUNDED_TEMPLATE


def _make_bounded_template_class():
    from docxtpl import DocxTemplate

    from nitet_cli import template_limits

    class BoundedTemplate(DocxTemplate):
        """A DocxTemplate that remembers the part it renders (for the line of an error) and
        refuses a rendered part past MAX_XML_CHARS."""

        source: str | None = None

        def render_xml_part(self, src_xml, part, context, jinja_env=None):
            self.source = src_xml
            xml = super().render_xml_part(src_xml, part, context, jinja_env)
            if len(xml) > template_limits.MAX_XML_CHARS:
                raise template_limits.limit_error(f"เอกสารที่ได้ยาวเกิน {template_limits.MAX_XML_CHARS:,} ตัวอักษร")
            return xml

    return BoundedTemplate


def _render(path: Path, context: dict, tmp: Path) -> None:
    """Render the template at ``path`` with ``context`` and save it as ``tmp``."""
    from nitet_cli.template_limits import template_error

    try:
        document = _bounded_template_class()(str(path))
        _fast_image_lookup(document)
    except (KeyError, ValueError, OSError) as exc:  # not a DOCX, or a damaged one
        raise InputError(f"แม่แบบ {path} ไม่ใช่ไฟล์ .docx ที่ใช้ได้ ({exc})") from exc
    except Exception as exc:
        raise InputError(f"แม่แบบ {path} ไม่ใช่ไฟล์ .docx ที่ใช้ได้ ({type(exc).__name__}: {exc})") from exc
    try:
        document.render(_with_images(sanitize(context), document), jinja_environment(), autoescape=True)
    except (Exception, RecursionError) as exc:  # the template's code: one sentence with its line
        raise template_error(path, exc, document.source) from exc
    from nitet_cli.files import save_zip_into

    save_zip_into(tmp, document.save)


def render_docx(template: str | os.PathLike, context: dict, out: Path, *, db: Path | None) -> Path:
    """Render ``template`` with ``context`` into ``out`` (atomically; never over ``db``, its store
    or the template), in a child process whose time, memory and output are bounded
    (template_limits.run_bounded): a template error of any kind is one sentence, nothing written."""
    from nitet_cli.files import atomic_write, check_output
    from nitet_cli.template_limits import run_bounded

    path = template_path(template)
    reading = [(path, "แม่แบบที่ใช้อยู่")]
    check_output(out, db=db, reading=reading)
    _bounded_template_class()  # the DOCX stack is imported here, once, not in every child
    jinja_environment()
    render = lambda tmp: run_bounded(lambda: _render(path, context, tmp), path)  # noqa: E731
    return atomic_write(out, render, db=db, reading=reading)
