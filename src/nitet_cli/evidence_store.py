"""The content-addressed evidence store beside the database.

A file is copied to ``<db stem>-evidence/<first two hex digits>/<sha256>`` (its
SHA-256 is its name, so the same photo stored twice takes space once). The original
name, media type and size are kept in the ``evidence`` table. The store is created
readable by its owner only: it holds photos of teachers and pupils.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nitet_cli.errors import InputError, NotFoundError
from nitet_cli.paths import evidence_dir

CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    original_name: str


def check_readable(path: Path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"ไม่พบไฟล์หลักฐาน {path} — ตรวจชื่อไฟล์และโฟลเดอร์")
    if path.is_dir():
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์หลักฐานทีละไฟล์")
    if not os.access(path, os.R_OK):
        raise InputError(f"อ่านไฟล์หลักฐาน {path} ไม่ได้ (ไม่มีสิทธิ์) — ตรวจสิทธิ์ของไฟล์")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_path(db_path: Path, sha256: str) -> Path:
    return evidence_dir(db_path) / sha256[:2] / sha256


def media_type_of(path: Path) -> str:
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def store_file(db_path: Path, source: Path) -> StoredFile:
    """Copy ``source`` into the store (once) and describe it.

    The copy goes to a temporary name and is renamed into place, so a crash never
    leaves a partial file under a hash name. Call this *before* the database
    transaction that records it: a stored file nobody points to is harmless
    (``doctor`` reports it), an entry pointing to a missing file is not.
    """
    source = check_readable(source)
    try:
        sha = sha256_of(source)
    except OSError as exc:
        raise InputError(f"อ่านไฟล์หลักฐาน {source} ไม่ได้ ({exc.strerror})") from exc
    target = stored_path(db_path, sha)
    root = evidence_dir(db_path)
    if not root.exists():
        root.mkdir(parents=True, mode=0o700, exist_ok=True)  # another process may make it at the same moment
    target.parent.mkdir(exist_ok=True, mode=0o700)
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.chmod(tmp, 0o600)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return StoredFile(sha256=sha, size=target.stat().st_size, media_type=media_type_of(source), original_name=source.name)


def remove_if_unused(conn, db_path: Path, sha256: str) -> bool:
    """Delete a stored file that no evidence row points to any more."""
    used = conn.execute("SELECT 1 FROM evidence WHERE sha256 = ? LIMIT 1", (sha256,)).fetchone()
    if used:
        return False
    path = stored_path(db_path, sha256)
    if path.exists():
        path.unlink()
        return True
    return False
