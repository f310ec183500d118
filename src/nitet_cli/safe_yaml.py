"""Reading a YAML file from outside with its work bounded, and nothing silently dropped.

PyYAML's ``safe_load`` builds no objects but plain data, yet a hostile or careless file
still gets through it in three ways, each refused here with the line of the problem:

- **Duplicate keys** (a second ``duties:`` or ``target:``): PyYAML keeps the last one
  silently, so a pasted block replaces the one above it — a manual load that retires 42
  rows without a word. Every mapping's keys must be distinct.
- **Alias expansion** ("billion laughs": ``&a [*b, *b, …]`` nine levels deep): the file is
  a few hundred bytes, the data it stands for has a billion values, and whatever walks
  it (validation, an error message that shows the value) runs for minutes and gigabytes.
  Aliases are allowed (``target: *visits`` to repeat a target), but the document they
  expand to may hold at most :data:`MAX_VALUES` values; an alias that refers to itself
  is refused.
- **Nesting** ``[[[[…]]]]`` deeper than Python's recursion: a ``RecursionError``
  traceback. At most :data:`MAX_DEPTH` levels.

The file itself is read at most :data:`MAX_BYTES` bytes, and only if it is a regular
file (a FIFO would block the read forever).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from nitet_cli.errors import InputError

MAX_BYTES = 4_000_000  # the bundled manual is 30 KB; the hostile suite loads 1.8 MB of 60,000-character texts (~1 s)
MAX_VALUES = 100_000  # values (scalars, lists, mappings) once aliases are expanded; the bundled manual: ~700
MAX_DEPTH = 64  # a manual nests 6 levels


def read_limited(path: Path, what: str, hint: str) -> bytes:
    """The bytes of the regular file ``path``, refused past :data:`MAX_BYTES`."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise InputError(f"{path} ไม่ใช่ไฟล์ธรรมดา (FIFO หรืออุปกรณ์) — ระบุ{what}ที่เป็นไฟล์")
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"อ่าน{what} {path} ไม่ได้ ({exc.strerror or exc}) — {hint}") from exc
    if len(raw) > MAX_BYTES:
        raise InputError(
            f"{path}: ใหญ่เกิน {MAX_BYTES:,} ไบต์ (คู่มือทั้งเล่มที่มากับ nitet ใช้ราว 30,000 ไบต์) — ตรวจว่าเลือก{what}ถูกไฟล์"
        )
    return raw


def _loader_class():
    import yaml
    from yaml.constructor import ConstructorError
    from yaml.nodes import MappingNode, ScalarNode

    class Loader(yaml.SafeLoader):
        """SafeLoader that refuses duplicate keys and bounds nesting and alias expansion."""

        def __init__(self, stream):
            super().__init__(stream)
            self.depth = 0
            self.aliases = 0

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                self.aliases += 1
            self.depth += 1
            try:
                if self.depth > MAX_DEPTH:
                    raise yaml.composer.ComposerError(
                        None, None, f"ซ้อนกันลึกเกิน {MAX_DEPTH} ชั้น", self.peek_event().start_mark
                    )
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node, deep=False):
            if isinstance(node, MappingNode):
                seen: dict = {}
                for key_node, _value in node.value:
                    if not isinstance(key_node, ScalarNode):
                        continue  # a list or mapping as a key: the SafeLoader refuses it itself
                    key = self.construct_object(key_node, deep=True)
                    try:
                        first = seen.setdefault(key, key_node)
                    except TypeError:
                        continue
                    if first is not key_node:
                        raise ConstructorError(
                            None,
                            None,
                            f"คีย์ '{key}' ซ้ำ (มีแล้วที่บรรทัด {first.start_mark.line + 1}) — ค่าหลังจะทับค่าแรกโดยไม่บอก;"
                            " รวมเป็นคีย์เดียว หรือลบอันที่ไม่ใช้",
                            key_node.start_mark,
                        )
            return super().construct_mapping(node, deep=deep)

    return Loader


def _children(node) -> list:
    """The nodes a YAML node holds: a sequence's items, a mapping's keys and values."""
    from yaml.nodes import MappingNode, SequenceNode

    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _expanded_size(root) -> int | None:
    """How many values ``root`` stands for with every alias expanded (None: more than
    MAX_VALUES, or an alias inside itself). Each node is sized once (memo), so this costs
    the size of the file, not of the expansion."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    # Iterative post-order walk: (node, children visited?)
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            open_nodes.discard(key)
            total = 1 + sum(sizes[id(c)] for c in _children(node))
            if total > MAX_VALUES:
                return None
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            return None  # an alias to a node that contains it
        open_nodes.add(key)
        stack.append((node, True))
        for child in reversed(_children(node)):
            if id(child) in open_nodes:
                return None
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def load(text: str, source: str) -> Any:
    """Parse ``text`` (named ``source`` in messages) into plain data, within the limits above."""
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) is None:
            what = "เมื่อขยาย alias (*ชื่อ) แล้ว" if loader.aliases else ""
            raise InputError(
                f"{source}: มีค่ามากเกิน {MAX_VALUES:,} ค่า{what} หรือมี alias ที่อ้างถึงตัวเอง"
                " — คู่มือไม่ต้องใช้ alias ซ้อนกัน; เขียนค่าออกมาตรง ๆ"
            )
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = exc.problem or exc.context or "รูปแบบ YAML ไม่ถูกต้อง"
        place = f" — บรรทัด {mark.line + 1} คอลัมน์ {mark.column + 1}" if mark else ""
        raise InputError(f"{where}: YAML ผิดรูปแบบ ({problem}){place}") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: YAML ผิดรูปแบบ ({exc})") from exc
    finally:
        loader.dispose()
