"""Time, in one place: 'today' can be pinned with NITET_TODAY (tests, reproducible reports),
the local time of day with NITET_NOW (an ISO date and time, e.g. 2026-11-24T09:30)."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone


def today() -> date:
    pinned = os.environ.get("NITET_TODAY")
    if pinned:
        return date.fromisoformat(pinned)
    return date.today()


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def now_local() -> datetime:
    """The local date and time (naming dated backups)."""
    pinned = os.environ.get("NITET_NOW")
    if pinned:
        return datetime.fromisoformat(pinned)
    return datetime.now()
