"""Where nitet keeps its files.

The database path comes from ``--db``, else ``NITET_DB``, else the per-user data
directory that platformdirs names for this system (``~/.local/share/nitet/nitet.db``
on Linux). Evidence files live in a content-addressed store beside the database.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

ENV_DB = "NITET_DB"
PACKAGE_DIR = Path(__file__).resolve().parent
# In a source checkout (editable install) the bundled files sit at the repository root;
# in a wheel they are copied into the package.
_REPO_ROOT = PACKAGE_DIR.parent.parent


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("nitet", appauthor=False) / "nitet.db"


def resolve_db_path(option: str | os.PathLike | None = None) -> Path:
    if option is not None:
        if not str(option).strip():  # `--db ''` (an unset shell variable): never the default database instead
            from nitet_cli.errors import InputError

            raise InputError("--db ว่าง — ระบุไฟล์ฐานข้อมูล เช่น --db ~/nitet.db หรือไม่ใส่ --db เพื่อใช้ NITET_DB หรือค่าเริ่มต้น")
        return Path(option).expanduser()
    env = os.environ.get(ENV_DB)
    if env:
        return Path(env).expanduser()
    return default_db_path()


#: A dated copy that ``nitet backup DIR`` writes: ``<stem>-YYYY-MM-DDTHHMM.db``.
_DATED_COPY = r"^(?P<stem>.+)-(?P<stamp>\d{4}-\d{2}-\d{2}T\d{4})$"


def dated_copy(stem: str) -> re.Match | None:
    """``stem`` read as a dated copy's name (groups ``stem`` and ``stamp``), or None. The pattern
    is compiled on first use (``re`` keeps it), not on every start of ``log-visit``."""
    return re.match(_DATED_COPY, stem)


def evidence_dir(db_path: Path) -> Path:
    """The evidence store beside ``db_path``: ``nitet.db`` → ``nitet-evidence/``.

    A dated backup copy (``nitet-2026-11-24T0930.db``) without a store of its own uses the one
    store that every copy in its folder shares: ``nitet-evidence/`` (files by hash)."""
    db_path = Path(db_path)
    own = db_path.with_name(f"{db_path.stem}-evidence")
    dated = dated_copy(db_path.stem)
    if dated and not own.exists():
        return db_path.with_name(f"{dated['stem']}-evidence")
    return own


def shares_store(db_path: Path) -> bool:
    """True for a dated backup copy, whose evidence store other copies use too: nothing may
    remove a file from it for being unused by this one database (``backup --keep`` prunes it)."""
    db_path = Path(db_path)
    return evidence_dir(db_path) != db_path.with_name(f"{db_path.stem}-evidence")


def _bundled(name: str) -> Path:
    packaged = PACKAGE_DIR / name
    if packaged.exists():
        return packaged
    return _REPO_ROOT / name


def bundled_manual() -> Path:
    return _bundled("data") / "duties.yaml"


def templates_dir() -> Path:
    return _bundled("templates")
