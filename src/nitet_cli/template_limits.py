"""Rendering a user's Word template with its work bounded.

A template is the user's (``--template my.docx``), so its Jinja code is input: Jinja's
sandbox already keeps it away from Python's internals, but not from asking for unbounded
work — ``{{ 9**(9**9) }}``, ``{{ 'x' * 400000000 }}``, two nested ``range(100000)`` loops, a
macro that calls itself, a string doubled forty times. Each must end in one sentence
that names the template (and the line, where Jinja knows it), exit 2, nothing written.

Two layers:

1. :class:`BoundedEnvironment`, the sandbox with limits checked *before* the work is done,
   so the common cases end at once with the line: ``**`` and ``*`` on integers whose result
   would pass :data:`MAX_INT_BITS`; ``*`` and ``+`` making a text or list longer than
   :data:`MAX_SEQUENCE`; ``%`` formatting with a width of a million; ``range`` longer than
   Jinja's own 100,000, and all ``range`` loops of one render together past
   :data:`MAX_STEPS` steps; ``lipsum`` is not offered. A macro that calls itself without end
   stops at Python's recursion limit.
2. :func:`render_bounded` renders (and saves) in a child process made with ``fork`` — a
   copy of this one, so it costs a few milliseconds, not a new interpreter — with a
   wall-clock limit (:data:`RENDER_SECONDS`, then it is killed), a memory limit
   (:data:`RENDER_MEMORY` above what the program already uses) and an output size limit
   (:data:`MAX_OUTPUT_BYTES` for the file, :data:`MAX_XML_CHARS` for each rendered part).
   This catches everything the first layer cannot foresee. Where ``fork`` does not exist
   (Windows) the render runs in this process with the first layer only.
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nitet_cli.errors import InputError, NitetError

if TYPE_CHECKING:  # jinja2 is imported only when a template is rendered
    from jinja2.sandbox import SandboxedEnvironment

MAX_INT_BITS = 100_000  # an integer of about 30,000 digits
MAX_SEQUENCE = 10_000_000  # characters of a text (or items of a list) made by * or +
MAX_FORMAT_WIDTH = 100_000  # a width or precision in '%…d' formatting
MAX_STEPS = 1_000_000  # range() steps of one render, every loop together (about 0.5 s)
RENDER_SECONDS = 120  # the busy-year term report (700 pages) renders in about 1 s
RENDER_MEMORY = 3 << 30  # bytes of memory a render may add (that whole report command peaks at 105 MB)
MAX_OUTPUT_BYTES = 1 << 30  # the DOCX file (that report: 10.7 MB with 233 photos)
MAX_XML_CHARS = 200_000_000  # characters of one rendered part of the document

_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(?:\*|\d{6,})|%[-+ #0]*\d*\.(?:\*|\d{6,})")


class TemplateLimitError(Exception):
    """The template asked for more work than a document needs (a Jinja runtime error)."""


_LIMIT_ERROR = None


def limit_error(message: str) -> Exception:
    """A :class:`TemplateLimitError` that Jinja treats as its own runtime error."""
    global _LIMIT_ERROR
    if _LIMIT_ERROR is None:
        from jinja2.exceptions import SecurityError

        _LIMIT_ERROR = type("TemplateLimit", (SecurityError, TemplateLimitError), {})
    return _LIMIT_ERROR(message)


def _bits(value: int) -> int:
    return max(1, abs(value).bit_length())


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, (str, list, tuple, bytes)) else None


class _CountedRange:
    """``range`` for templates: Jinja's length limit, and every step counted against the render's budget."""

    def __init__(self, env: SandboxedEnvironment, rng: range):
        self._env, self._range = env, rng

    def __iter__(self):
        tick = self._env.tick
        for value in self._range:
            tick()
            yield value

    def __reversed__(self):
        return iter(_CountedRange(self._env, self._range[::-1]))

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index):
        item = self._range[index]
        return _CountedRange(self._env, item) if isinstance(item, range) else item

    def __contains__(self, value) -> bool:
        return value in self._range

    def __repr__(self) -> str:
        return repr(self._range)


def _environment_class():
    from jinja2.sandbox import MAX_RANGE, SandboxedEnvironment

    class BoundedEnvironment(SandboxedEnvironment):
        intercepted_binops = frozenset({"**", "*", "+", "%"})

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.steps = 0
            self.globals.pop("lipsum", None)  # up to any number of paragraphs of filler text
            self.globals["range"] = self.bounded_range

        def tick(self) -> None:
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise limit_error(f"วนซ้ำด้วย range รวมเกิน {MAX_STEPS:,} รอบ (เช่น range ซ้อนกันหลายชั้น)")

        def bounded_range(self, *args):
            rng = range(*args)
            if len(rng) > MAX_RANGE:
                raise limit_error(f"range ยาว {len(rng):,} รอบ เกิน {MAX_RANGE:,} รอบ")
            return _CountedRange(self, rng)

        def call_binop(self, context, operator, left, right):
            ints = isinstance(left, int) and isinstance(right, int)
            if operator == "**" and ints and right > 0 and abs(left) > 1 and right * _bits(left) > MAX_INT_BITS:
                raise limit_error(f"ตัวเลขจาก ** ใหญ่เกิน {MAX_INT_BITS:,} บิต")
            if operator == "*":
                if ints and _bits(left) + _bits(right) > MAX_INT_BITS:
                    raise limit_error(f"ตัวเลขจาก * ใหญ่เกิน {MAX_INT_BITS:,} บิต")
                for sequence, times in ((left, right), (right, left)):
                    size = _length(sequence)
                    if size is not None and isinstance(times, int) and size * times > MAX_SEQUENCE:
                        raise limit_error(f"ข้อความหรือรายการจาก * ยาวเกิน {MAX_SEQUENCE:,}")
            if operator == "+":
                a, b = _length(left), _length(right)
                if a is not None and b is not None and a + b > MAX_SEQUENCE:
                    raise limit_error(f"ข้อความหรือรายการจาก + ยาวเกิน {MAX_SEQUENCE:,}")
            if operator == "%" and isinstance(left, str) and _FORMAT_WIDTH.search(left):
                raise limit_error(f"การจัดรูปแบบด้วย % ขอความกว้างเกิน {MAX_FORMAT_WIDTH:,} ตัวอักษร")
            return super().call_binop(context, operator, left, right)

    return BoundedEnvironment


_BOUNDED = None


def bounded_environment(**kwargs):
    """A new sandboxed Jinja environment with the limits above (a fresh step budget)."""
    global _BOUNDED
    if _BOUNDED is None:
        _BOUNDED = _environment_class()
    return _BOUNDED(**kwargs)


# --- telling the user ------------------------------------------------------------------------------


def _template_line(tb) -> int | None:
    """The template line of the innermost frame Jinja attributes to the template."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _near(source: str | None, line: int | None) -> str:
    if not source or not line:
        return ""
    lines = re.sub(r"<w:p([ >])", r"\n<w:p\1", source).splitlines()
    text = re.sub(r"<[^>]+>", "", lines[line - 1]).strip() if 0 < line <= len(lines) else ""
    return f" (ใกล้ข้อความ: {text[:120]})" if text else ""


def template_error(path: Path, exc: BaseException, source: str | None = None) -> InputError:
    """One sentence for an error while rendering the template at ``path``."""
    from jinja2 import TemplateError

    line = getattr(exc, "lineno", None) or _template_line(exc.__traceback__)
    where = f"{path} บรรทัด {line}" if line else str(path)
    near = " ".join(t.strip() for t in getattr(exc, "docx_context", None) or [] if t.strip())[:120]
    near = f" (ใกล้ข้อความ: {near})" if near else _near(source, line)
    fix = "แก้แท็ก {{ … }} หรือ {% … %} นั้นในแม่แบบ"
    if isinstance(exc, TemplateLimitError):
        return InputError(f"แม่แบบ {where} ขอให้ทำงานเกินขอบเขต: {exc}{near} — {fix}")
    if isinstance(exc, RecursionError):
        return InputError(f"แม่แบบ {where} เรียก macro ซ้อนตัวเองลึกเกินไป (ไม่มีจุดหยุด){near} — {fix}")
    if isinstance(exc, MemoryError):
        return InputError(f"แม่แบบ {where} ใช้หน่วยความจำเกินขอบเขต ({RENDER_MEMORY >> 30} GB){near} — {fix}")
    if isinstance(exc, TemplateError):
        return InputError(f"แม่แบบ {where} มีข้อผิดพลาด Jinja: {exc}{near} — แก้แท็ก {{{{ … }}}} หรือ {{% … %}} ในแม่แบบ")
    return InputError(f"แม่แบบ {where} ทำงานไม่สำเร็จ ({type(exc).__name__}: {exc}){near} — {fix}")


# --- rendering in a child process -------------------------------------------------------------------


_OWN_FILE_LIMIT = False  # in the child: the file size limit is ours (EFBIG: the template's output is too big)


def _limit_child() -> None:
    """Inside the child: bound its memory, CPU time and the size of any file it writes. A
    tighter limit already set (by the system, or a test) is kept, and an EFBIG under it is
    then the disk's, not the template's."""
    global _OWN_FILE_LIMIT
    try:
        import resource
        import signal
    except ImportError:  # not POSIX
        return
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-big file: EFBIG, not death
    for limit, value in (
        (resource.RLIMIT_FSIZE, MAX_OUTPUT_BYTES),
        (resource.RLIMIT_CPU, RENDER_SECONDS + 5),
        (resource.RLIMIT_AS, _address_space() + RENDER_MEMORY if _address_space() else None),
    ):
        if value is None:
            continue
        soft, hard = resource.getrlimit(limit)
        if hard != resource.RLIM_INFINITY and value >= hard:
            continue
        if soft == resource.RLIM_INFINITY or value < soft:
            resource.setrlimit(limit, (value, hard))
            if limit == resource.RLIMIT_FSIZE:
                _OWN_FILE_LIMIT = True


def _address_space() -> int:
    """This process's virtual size in bytes (Linux), else 0 (no memory limit)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass
class _Outcome:
    """How ``work()`` ended, sent pickled from the child: ``kind`` "ok"; "nitet" (a NitetError:
    ``error`` its class name, and ``message``); "os" (an OSError: ``errno``, ``message`` its
    strerror, ``filename``); "raise" (any other exception, ``pickled``)."""

    kind: str
    error: str = ""
    message: str | None = None
    errno: int | None = None
    filename: str | None = None
    pickled: bytes = b""


def _outcome(work: Callable[[], None]) -> _Outcome:
    try:
        work()
    except NitetError as exc:
        return _Outcome("nitet", type(exc).__name__, exc.message)
    except OSError as exc:
        import errno

        if exc.errno == errno.EFBIG and _OWN_FILE_LIMIT:
            return _Outcome("nitet", "InputError", f"เอกสารที่ได้ใหญ่เกิน {MAX_OUTPUT_BYTES:,} ไบต์")
        return _Outcome("os", message=exc.strerror, errno=exc.errno, filename=exc.filename)
    except MemoryError:
        return _Outcome("nitet", "InputError", f"ใช้หน่วยความจำเกินขอบเขต ({RENDER_MEMORY >> 30} GB)")
    except BaseException as exc:
        try:
            return _Outcome("raise", pickled=pickle.dumps(exc))
        except Exception:
            return _Outcome("raise", pickled=pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}")))
    return _Outcome("ok")


def _raise(outcome: _Outcome, path: Path) -> None:
    from nitet_cli import errors

    if outcome.kind == "ok":
        return
    if outcome.kind == "os":
        raise OSError(outcome.errno, outcome.message, outcome.filename)
    if outcome.kind == "raise":  # a bug, not the template: the same exception as without the child
        raise pickle.loads(outcome.pickled)
    message = outcome.message or ""
    if not message.startswith("แม่แบบ"):
        message = f"แม่แบบ {path}: {message} — ตรวจแท็ก {{{{ … }}}} และ {{% … %}} ในแม่แบบ"
    raise getattr(errors, outcome.error, errors.InputError)(message)


def run_bounded(work: Callable[[], None], path: Path) -> None:
    """Run ``work()`` (which renders ``path`` and writes the output) in a forked child with the
    limits above; its NitetError or OSError is raised here. Without fork: in this process."""
    if not hasattr(os, "fork"):
        _raise(_outcome(work), path)
        return
    import select
    import signal
    import time

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        try:
            os.close(read_end)
            _limit_child()
            data = pickle.dumps(_outcome(work))
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view) :]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks: list[bytes] = []
    finished = False
    try:
        deadline = time.monotonic() + RENDER_SECONDS
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([read_end], [], [], left)
            if not ready:
                continue
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                finished = True
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        if not finished:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if not finished:
        raise InputError(
            f"แม่แบบ {path} ใช้เวลาสร้างเอกสารเกิน {RENDER_SECONDS} วินาที (เช่น วนซ้ำซ้อนกันหลายชั้น) — ไม่ได้เขียนอะไร;"
            " แก้แท็ก {% for … %} ในแม่แบบ"
        )
    if not chunks:
        signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        why = f"ถูกหยุดด้วยสัญญาณ {signal_number}" if signal_number else f"จบด้วยรหัส {os.WEXITSTATUS(status)}"
        raise InputError(
            f"แม่แบบ {path} ทำให้การสร้างเอกสารหยุดกลางคัน ({why}: มักเป็นหน่วยความจำหรือเวลาเกินขอบเขต) — ไม่ได้เขียนอะไร;"
            " แก้แท็ก {{ … }} หรือ {% … %} ในแม่แบบ"
        )
    _raise(pickle.loads(b"".join(chunks)), path)
