"""A standard's target (``standards.target``, JSON text): read in one place, by every module
that counts visits or suggests a visit's standards.

Its own small module, apart from ``manual`` (which writes targets, and loads with its dataclasses,
the profile fields and YAML checks): ``log-visit`` reads the targets of a school's groups to pick
the visit's standards (``activities.visit_standards_for``), by the same reading status counts by,
and should not load the whole manual machinery to do it.
"""

from __future__ import annotations

import json

TARGET_KINDS = {"school_visits"}
#: Which visits a target counts (``target.counts``): those linked to its standard (the default),
#: or every visit to a school of its groups in the term, whatever standard it was logged under.
LINKED_VISITS, EVERY_VISIT = "linked_visits", "every_visit"
TARGET_COUNTS = (LINKED_VISITS, EVERY_VISIT)


def parse_target(raw: str | None) -> dict | None:
    """A standard's stored target (the JSON text of ``standards.target``) as a dict; None when it
    has none, or when the text is not a JSON object (a damaged or hand-edited database)."""
    if not raw:
        return None
    try:
        target = json.loads(raw)
    except ValueError:
        return None
    return target if isinstance(target, dict) else None


def visit_target(raw: str | None) -> dict | None:
    """:func:`parse_target`, for a school-visits target only (the kind progress counts)."""
    target = parse_target(raw)
    return target if target is not None and target.get("kind") in TARGET_KINDS else None


def counts_every_visit(target: dict | None) -> bool:
    """True for a target that counts every visit to its schools (``counts: every_visit``)."""
    return bool(target) and target.get("counts") == EVERY_VISIT
