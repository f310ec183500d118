"""A standard's target (``standards.target``, JSON text): read in one place, by every module
that counts visits or suggests a visit's standards.

Its own small module, apart from ``manual`` (which writes targets, and loads with its dataclasses,
the profile fields and YAML checks): ``log-visit`` reads the targets of a school's groups to pick
the visit's standards (``activities.visit_standards_for``), by the same reading status counts by,
and should not load the whole manual machinery to do it.

A target loaded from the manual's YAML is checked there (``manual._target``); one edited by hand
in the database is read by :func:`visit_target` the one way every command counts by (status, its
group figures, due, report, school show, log-visit, the school-group warnings):

- ``school_groups`` (:func:`target_groups`): absent, null, ``[]``, or a value that is neither a
  list nor text (a number, an object, true), or an empty text, names no group: the target covers
  every school. A text is the one group it names (``"ขยายโอกาส"`` meant that group, not its
  letters). A list names each of its items once: a text as written, anything else (null, 5, an
  object) by its JSON text, so a non-empty list always names something (``[null]`` names ``null``,
  not every school) and matches only a group called by that very text. A name that is not valid
  text (a lone surrogate, ``"\\ud800"``) is kept escaped (``\\ud800``): it prints and binds without
  error, and no school's group (stored as text, without the surrogate) is the name it stood for.
- ``min_per_term`` (:func:`target_minimum`): a whole number from 1 to :data:`MAX_PER_TERM` (as the
  manual loads it; ``2.0`` and ``"2"`` read as 2); anything else (absent, 0, -1, 1.5, NaN,
  Infinity, true, a number beyond SQLite's integers) reads as 1, a target's minimum when it
  names none.
"""

from __future__ import annotations

import json

TARGET_KINDS = {"school_visits"}
#: Which visits a target counts (``target.counts``): those linked to its standard (the default),
#: or every visit to a school of its groups in the term, whatever standard it was logged under.
LINKED_VISITS, EVERY_VISIT = "linked_visits", "every_visit"
TARGET_COUNTS = (LINKED_VISITS, EVERY_VISIT)
#: The largest visit target per term (``min_per_term``): far above any real manual, far below
#: what SQLite and the reports can hold. A target that names no minimum, or one outside 1 to
#: this, counts :data:`DEFAULT_MINIMUM` visits.
MAX_PER_TERM = 100
DEFAULT_MINIMUM = 1


def parse_target(raw: str | None) -> dict | None:
    """A standard's stored target (the JSON text of ``standards.target``) as a dict; None when it
    has none, or when the text is not a JSON object (a damaged or hand-edited database)."""
    if not raw:
        return None
    try:
        target = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested too deep for Python's json
        return None
    return target if isinstance(target, dict) else None


def _name(item) -> str:
    """One item of ``school_groups`` as a group name: a text as written, anything else by its JSON
    text; a name that is not valid UTF-8 text (a lone surrogate) escaped, ``\\ud800``."""
    if not isinstance(item, str):
        try:
            item = json.dumps(item, ensure_ascii=False)
        except (ValueError, RecursionError):
            item = type(item).__name__
    try:
        item.encode("utf-8")
    except UnicodeEncodeError:
        item = item.encode("utf-8", "backslashreplace").decode("utf-8")
    return item


def target_groups(target: dict | None) -> list[str]:
    """The school groups a (parsed) target names, as text without repeats; ``[]``: every school.
    See the module for how a hand-edited ``school_groups`` reads."""
    named = (target or {}).get("school_groups")
    if isinstance(named, str):
        named = [named] if named else []
    if not isinstance(named, list):
        return []
    return list(dict.fromkeys(_name(item) for item in named))  # in order, each once


def target_minimum(target: dict | None) -> int:
    """A (parsed) target's visits per term per school: ``min_per_term`` when it is a whole number
    from 1 to MAX_PER_TERM (also ``2.0`` or ``"2"``), else DEFAULT_MINIMUM."""
    value = (target or {}).get("min_per_term")
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) <= 6:
        value = int(value.strip())  # "2", "๒": as the manual's loader reads a number typed as text
    elif isinstance(value, float) and value.is_integer():  # (False for NaN and the infinities)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PER_TERM:
        return DEFAULT_MINIMUM
    return value


def visit_target(raw: str | None) -> dict | None:
    """A school-visits target (the kind progress counts) as every command counts by it: ``kind``,
    ``min_per_term`` (:func:`target_minimum`), ``school_groups`` (:func:`target_groups`) and
    ``counts`` when it counts every visit; None for no target, or one of another kind."""
    target = parse_target(raw)
    kind = target.get("kind") if target is not None else None
    if not isinstance(kind, str) or kind not in TARGET_KINDS:  # (a list or an object is no kind, nor hashable)
        return None
    read = {"kind": kind, "min_per_term": target_minimum(target), "school_groups": target_groups(target)}
    return {**read, "counts": EVERY_VISIT} if counts_every_visit(target) else read


def counts_every_visit(target: dict | None) -> bool:
    """True for a target that counts every visit to its schools (``counts: every_visit``)."""
    return bool(target) and target.get("counts") == EVERY_VISIT
