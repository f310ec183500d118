"""Time, in one place: 'today' can be pinned with NITET_TODAY (tests, reproducible reports)."""

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
