"""The content-addressed evidence store beside the database.

A file is copied to ``<db stem>-evidence/<first two hex digits>/<sha256>.<ext>`` (its
SHA-256 is its name, so the same photo stored twice takes space once). ``<ext>`` is the
lower-cased extension of the file's original name when it is 1–5 letters a–z or digits
(``ภาพ.JPG`` → ``ab/<sha256>.jpg``), so the path ``evidence open`` prints opens by
double-click; a name without such an extension gives ``ab/<sha256>``. The name follows
from the row alone (:func:`stored_name`): the same content recorded once as ``.jpg`` and
once as ``.jpeg`` is two files. The original name, media type and size are kept in the
``evidence`` table. The store is created readable by its owner only: it holds photos of
teachers and pupils.

Stores made before migration m013 named every file ``ab/<sha256>``. m013 renames them
(:func:`add_extensions`); a rename is not part of the database transaction, so every
lookup (:func:`stored_path`) also accepts the old name, or another name of the same
content: a rename that never happened (a killed upgrade, a read-only store, a colleague's
old database read by ``merge``) is harmless, and ``doctor --fix`` removes an old name once
the new one is there.

Two rules keep every file an entry points to in the store, with any number of nitet
processes at work:

- **Storing** reads the user's file once, hashing while it copies into a temporary file
  inside the store (:class:`Staging`), before the database transaction. Only inside the
  write transaction (``BEGIN IMMEDIATE``), with the rows that point to it, is the copy
  renamed to its hash name (:meth:`Staging.place`): a file is never "already stored"
  on the word of a look taken before the lock.
- **Removing** a file no row points to happens only inside a write transaction of its
  own, after the rows are gone and committed (:func:`remove_unused`): no other process
  can commit a row for that hash between the look and the unlink, and a removal is never
  undone by a rollback.

While a command has copies waiting to be placed it holds a shared ``flock`` on the
store's folder; ``doctor --fix`` removes leftover temporary files only when it gets
that lock exclusively (no command is storing), so it never takes a live copy away.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nitet_cli.errors import InputError, NotFoundError, OutputError
from nitet_cli.paths import evidence_dir

#: hashlib, imported on the first hash (loading OpenSSL costs a recording without files ~3 ms at
#: start); the race tests put a stand-in here to act between a file's reads.
hashlib = None


def _hashlib():
    global hashlib
    if hashlib is None:
        import hashlib as module

        hashlib = module
    return hashlib


try:  # every Unix; without it (Windows) doctor leaves temporary files alone
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

CHUNK = 1 << 20
#: The largest single evidence file nitet stores (README, "Recording the work").
MAX_FILE_BYTES = 200 * 1024 * 1024
TEMP_PREFIX = ".incoming-"
THUMBS = ".thumbs"  # the folder of photos.py's thumbnail cache, inside the store
#: ``<sha256>`` (before m013, or a name without a usable extension) or ``<sha256>.<ext>``.
STORED_NAME = re.compile(r"([0-9a-f]{64})(?:\.([a-z0-9]{1,5}))?")
_EXTENSION = re.compile(r"[a-z0-9]{1,5}")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    media_type: str
    original_name: str


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} ไบต์"


def _stat(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFoundError(f"ไม่พบไฟล์หลักฐาน {path} — ตรวจชื่อไฟล์และโฟลเดอร์") from None
    except PermissionError:
        raise InputError(f"อ่านไฟล์หลักฐาน {path} ไม่ได้ (ไม่มีสิทธิ์) — ตรวจสิทธิ์ของไฟล์") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"เปิดไฟล์หลักฐาน {path} ไม่ได้ ({getattr(exc, 'strerror', None) or exc}) — ตรวจชื่อไฟล์") from None


def _check_kind(path: Path, st: os.stat_result) -> None:
    """Only a regular file of at most MAX_FILE_BYTES is evidence (a pipe or a device never ends)."""
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์หลักฐานทีละไฟล์")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path} ไม่ใช่ไฟล์ธรรมดา (เป็นท่อ อุปกรณ์ หรือ <(…)) — บันทึกเป็นไฟล์บนดิสก์ก่อน แล้วระบุไฟล์นั้นเป็นหลักฐาน")
    if st.st_size > MAX_FILE_BYTES:
        raise _too_big(path, st.st_size)


def _too_big(path: Path, size: int | None = None) -> InputError:
    how_big = f" ({size_text(size)})" if size is not None else ""
    return InputError(
        f"ไฟล์หลักฐาน {path}{how_big} ใหญ่เกินขีดจำกัด {size_text(MAX_FILE_BYTES)} ต่อไฟล์"
        " — ย่อขนาดหรือแบ่งไฟล์ หรือเก็บไว้ในไดรฟ์แล้วแนบเป็นลิงก์ (--link)"
    )


def check_readable(path: Path) -> Path:
    """Refuse, before anything is written, a path that cannot be evidence (missing, a folder,
    not a regular file, unreadable, over the size limit)."""
    path = Path(path).expanduser()
    _check_kind(path, _stat(path))
    if not os.access(path, os.R_OK):
        _stat(path)  # gone since: say so
        raise InputError(f"อ่านไฟล์หลักฐาน {path} ไม่ได้ (ไม่มีสิทธิ์) — ตรวจสิทธิ์ของไฟล์")
    return path


def check_not_own_files(db_path: Path, paths: list[Path]) -> None:
    """Refuse, before anything is copied, a file given as evidence that is the database in use,
    its ``-wal``/``-shm``/``-journal``, or a file inside its evidence store (a symlink or hard
    link is the file it names): a live database copied as a "photo" is a torn copy of teachers'
    records, and the store's own files are already there."""
    if not paths:
        return
    from nitet_cli.files import protected_by

    store = evidence_dir(db_path)
    for path in paths:
        what = protected_by(Path(path).expanduser(), db_path)
        if what is None:
            continue
        if Path(os.path.realpath(path)).is_relative_to(os.path.realpath(store)):
            raise InputError(
                f"ไม่รับ {path} เป็นหลักฐาน เพราะเป็นไฟล์ในที่เก็บหลักฐานของฐานข้อมูลที่ใช้อยู่ ({store})"
                " — ระบุไฟล์ต้นฉบับที่อยู่นอกที่เก็บ (ไฟล์ในที่เก็บดูได้ด้วย 'nitet evidence list')"
            )
        raise InputError(
            f"ไม่รับ {path} เป็นหลักฐาน เพราะเป็น{what} — หลักฐานคือไฟล์ของงาน เช่น ภาพหรือเอกสาร;"
            " สำเนาฐานข้อมูลทำด้วย 'nitet backup'"
        )


def sha256_of(path: Path) -> str:
    digest = _hashlib().sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def extension_of(name: str | None) -> str:
    """``ภาพ 1.JPG`` → ``jpg``: the text after the last dot of a name that does not start with
    it, lower-cased, when it is 1–5 ASCII letters or digits; "" otherwise (the same rule as
    the evidence_readable view's SQL, migration m013)."""
    stem, dot, ext = (name or "").rpartition(".")
    if not dot or not stem or not ext.isascii():
        return ""
    ext = ext.lower()
    return ext if _EXTENSION.fullmatch(ext) else ""


def stored_name(sha256: str, name: str | None = None) -> str:
    """The name in the store of content ``sha256`` recorded as ``name``: ``<sha256>.jpg`` or ``<sha256>``."""
    ext = extension_of(name)
    return f"{sha256}.{ext}" if ext else sha256


def stored_files(db_path: Path, sha256: str) -> list[Path]:
    """Every file in the store holding content ``sha256`` (under any name), sorted."""
    folder = evidence_dir(db_path) / sha256[:2]
    try:
        with os.scandir(folder) as entries:
            found = [
                Path(entry.path)
                for entry in entries
                if entry.name.startswith(sha256)
                and (m := STORED_NAME.fullmatch(entry.name)) is not None
                and m.group(1) == sha256
                and entry.is_file()
            ]
    except OSError:
        return []
    return sorted(found)


def find_stored(db_path: Path, sha256: str, name: str | None = None) -> Path | None:
    """The stored file of content ``sha256`` recorded as ``name``: its own name first, then the
    name before m013, then any other name of the same content; None when the store has none."""
    folder = evidence_dir(db_path) / sha256[:2]
    for candidate in dict.fromkeys((stored_name(sha256, name), sha256)):
        if (folder / candidate).is_file():
            return folder / candidate
    others = stored_files(db_path, sha256)
    return others[0] if others else None


def stored_path(db_path: Path, sha256: str, name: str | None = None) -> Path:
    """Where the file of content ``sha256`` recorded as ``name`` is (see :func:`find_stored`), or,
    when the store has none, where it belongs."""
    found = find_stored(db_path, sha256, name)
    return found if found is not None else evidence_dir(db_path) / sha256[:2] / stored_name(sha256, name)


def add_extensions(conn: sqlite3.Connection, db_path: Path) -> int:
    """Give the files of a store made before m013 the names their rows now have (``ab/<sha256>``
    → ``ab/<sha256>.jpg``); returns how many names were made. Called by migration m013 inside its
    transaction, but file renames are not transactional, so each step leaves a store every
    lookup can use, and running it again finishes the work: the old name is renamed to the last
    new name it is needed under (copied first to any other), never removed otherwise. A step
    that fails (a read-only store) is skipped: lookups accept the old name."""
    made = 0
    for sha, names in sorted(referenced_names(conn).items()):
        folder = evidence_dir(db_path) / sha[:2]
        old = folder / sha
        wanted = sorted(n for n in names if n != sha and not (folder / n).exists())
        if not wanted or not old.is_file():
            continue
        try:
            for name in wanted[:-1]:
                _copy_private(old, folder / name)
                made += 1
            if sha in names:  # a row without a usable extension still needs the old name
                _copy_private(old, folder / wanted[-1])
            else:
                os.replace(old, folder / wanted[-1])
            made += 1
        except (OSError, OutputError):  # OutputError: a copy that could not be written
            continue
    return made


def _copy_private(source: Path, target: Path) -> None:
    """``source`` to ``target`` (0600), whole or not at all (files.atomic_output: a temporary copy
    named as the store's, fsynced, renamed, the folder fsynced)."""
    import shutil

    from nitet_cli.files import atomic_output

    with atomic_output(target, prefix=TEMP_PREFIX) as tmp:
        shutil.copyfile(source, tmp)


def unused_files(db_path: Path, sha256: str, names: set[str]) -> list[Path]:
    """The files of content ``sha256`` that no row needs, given ``names``, the stored names the
    rows of that content have (empty: no row uses it). A file under a row's own name is needed;
    when some row's own name is missing, one other file of the same content serves it (the name
    before m013 first), as :func:`find_stored` would find it."""
    files = stored_files(db_path, sha256)
    needed = {path for path in files if path.name in names}
    if names and not {path.name for path in needed} >= names:
        spare = sorted((p for p in files if p not in needed), key=lambda p: (p.name != sha256, p.name))
        needed.update(spare[:1])
    return [path for path in files if path not in needed]


#: Types every system should know, whatever its mimetypes tables say (HEIC/HEIF: iPhone photos).
_MEDIA_TYPES = {".heic": "image/heic", ".heif": "image/heif", ".webp": "image/webp"}


def media_type_of(path: Path) -> str:
    import mimetypes

    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or _MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


def _open_source(path: Path) -> tuple[int, os.stat_result]:
    """Open a regular file for one read; never blocks on a pipe swapped in after the check."""
    _check_kind(path, _stat(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except (FileNotFoundError, NotADirectoryError):
        raise NotFoundError(f"ไฟล์หลักฐาน {path} หายไประหว่างบันทึก — ตรวจว่าไฟล์ยังอยู่ แล้วลองใหม่") from None
    except PermissionError:
        raise InputError(f"อ่านไฟล์หลักฐาน {path} ไม่ได้ (ไม่มีสิทธิ์) — ตรวจสิทธิ์ของไฟล์") from None
    except OSError as exc:
        raise InputError(f"เปิดไฟล์หลักฐาน {path} ไม่ได้ ({exc.strerror or exc}) — ตรวจไฟล์แล้วลองใหม่") from None
    try:
        st = os.fstat(fd)
        _check_kind(path, st)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _copy(path: Path, source_fd: int, before: os.stat_result, out_fd: int) -> tuple[str, int]:
    """One read of ``source_fd`` into ``out_fd``, hashing as it goes; refuses a file that grows
    past the limit or changes while it is read."""
    digest = _hashlib().sha256()
    size = 0
    while True:
        try:
            chunk = os.read(source_fd, CHUNK)
        except OSError as exc:
            raise InputError(f"อ่านไฟล์หลักฐาน {path} ไม่ได้ ({exc.strerror or exc}) — ตรวจไฟล์แล้วลองใหม่") from None
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise _too_big(path)
        digest.update(chunk)
        try:
            _write_all(out_fd, chunk)
        except OSError as exc:
            raise _store_error(exc) from None
    after = os.fstat(source_fd)
    if size != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        raise InputError(f"ไฟล์หลักฐาน {path} ถูกแก้ไขระหว่างบันทึก — รอให้โปรแกรมที่เขียนไฟล์นี้ทำงานเสร็จ แล้วลองใหม่")
    try:
        os.fsync(out_fd)
    except OSError as exc:
        raise _store_error(exc) from None
    return digest.hexdigest(), size


def _open_folder(root: Path) -> int:
    """The store's folder, opened for its flock (no lock file beside the evidence)."""
    return os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))


def _store_error(exc: OSError) -> OutputError:
    return OutputError(f"คัดลอกไฟล์หลักฐานเข้าที่เก็บไม่ได้ ({exc.strerror or exc}) — ตรวจพื้นที่ว่างและสิทธิ์ของโฟลเดอร์")


class Staging:
    """Files copied into the store under temporary names, to be placed under their hash
    names inside the write transaction that records them.

    Use as a context manager around that transaction::

        with Staging(conn, db_path) as staging:
            stored = staging.add(path)            # before: the slow copy, without the write lock
            with transaction(conn):
                staging.place()                   # inside: rename, then insert the rows
                ...

    On leaving, copies never placed are taken away; if the block failed, the files it
    placed that no committed row uses are removed under the write lock.
    """

    def __init__(self, conn: sqlite3.Connection | None, db_path: Path):
        self.conn = conn
        self.db_path = Path(db_path)
        self.placed: list[str] = []  # hashes of the files this staging created
        self._temps: dict[str, tuple[str, Path]] = {}  # stored name -> (sha256, copy waiting to be placed)
        self._lock_fd: int | None = None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None and self.placed and self.conn is not None and not self.conn.in_transaction:
                try:
                    remove_unused(self.conn, self.db_path, self.placed)
                except (OSError, sqlite3.Error):
                    pass  # left for 'nitet doctor --fix'
        finally:
            self.discard()

    def _root(self) -> Path:
        root = evidence_dir(self.db_path)
        try:
            if not root.exists():
                root.mkdir(parents=True, mode=0o700, exist_ok=True)  # another process may make it at the same moment
        except OSError as exc:
            raise _store_error(exc) from None
        if self._lock_fd is None and fcntl is not None:
            try:
                fd = _open_folder(root)
            except OSError as exc:
                raise _store_error(exc) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_SH)  # waits only while 'doctor --fix' clears leftovers
            except OSError:
                os.close(fd)  # a file system without flock: doctor --fix then cannot take the lock either
            else:
                self._lock_fd = fd
        return root

    def add(self, source: Path, name: str | None = None) -> StoredFile:
        """Copy ``source`` (read once, hashed while copied) into the store under a temporary name;
        it is to be stored as ``name`` (default: the source's own name), which gives its extension."""
        source = Path(source).expanduser()
        root = self._root()
        fd, before = _open_source(source)
        try:
            try:
                out_fd, tmp = tempfile.mkstemp(dir=root, prefix=TEMP_PREFIX)  # 0600
            except OSError as exc:
                raise _store_error(exc) from None
            try:
                sha, size = _copy(source, fd, before, out_fd)
            except BaseException:
                os.close(out_fd)
                os.unlink(tmp)
                raise
            os.close(out_fd)
        finally:
            os.close(fd)
        key = stored_name(sha, name if name is not None else source.name)
        if key in self._temps:
            os.unlink(tmp)  # the same content given twice
        else:
            self._temps[key] = (sha, Path(tmp))
        return StoredFile(sha256=sha, size=size, media_type=media_type_of(source), original_name=source.name)

    def place(self) -> None:
        """Give every waiting copy its hash name; call inside the write transaction."""
        if self.conn is not None and not self.conn.in_transaction:
            raise RuntimeError("Staging.place must run inside the write transaction")
        for key, (sha, tmp) in list(self._temps.items()):
            target = evidence_dir(self.db_path) / sha[:2] / key
            try:
                target.parent.mkdir(mode=0o700, exist_ok=True)
                if target.is_file():
                    tmp.unlink()
                else:
                    os.replace(tmp, target)
                    self.placed.append(sha)
            except OSError as exc:
                raise _store_error(exc) from None
            del self._temps[key]

    def ensure(self, sha: str, source: Path, name: str | None = None) -> None:
        """Inside the write transaction: make sure content ``sha`` is in the store under the name
        of a row recorded as ``name`` (a file seen there before the lock may have been removed
        since), copying it from ``source`` if it is not."""
        if (evidence_dir(self.db_path) / sha[:2] / stored_name(sha, name)).is_file():
            return
        got = self.add(source, name)
        if got.sha256 != sha:
            raise InputError(
                f"ไฟล์หลักฐาน {source} ไม่ตรงกับ SHA-256 ที่บันทึกไว้ (ไฟล์เสียหายหรือถูกแก้ไข) — ส่งออกหรือสำรองใหม่จากต้นทาง"
            )
        self.place()

    def discard(self) -> None:
        """Take away copies never placed, and let go of the store's lock."""
        for _sha, tmp in self._temps.values():
            try:
                tmp.unlink()
            except OSError:
                pass  # left for 'nitet doctor --fix'
        self._temps.clear()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None


def store_file(db_path: Path, source: Path) -> StoredFile:
    """Copy ``source`` into a store that no database is writing to (tools and tests):
    commands record evidence through :class:`Staging`, inside their transaction."""
    with Staging(None, db_path) as staging:
        stored = staging.add(source)
        staging.place()
    return stored


def remove_unused(conn: sqlite3.Connection, db_path: Path, hashes) -> set[str]:
    """Delete the stored files of ``hashes`` that no evidence row points to, in a write
    transaction of its own (call after the transaction that removed the rows has committed)."""
    from nitet_cli.db import transaction
    from nitet_cli.paths import shares_store

    removed: set[str] = set()
    hashes = sorted(set(hashes))
    if not hashes or shares_store(db_path):  # a dated backup copy: other copies use its store too
        return removed
    with transaction(conn):
        for sha in hashes:
            names = {
                stored_name(sha, r[0])
                for r in conn.execute("SELECT original_name FROM evidence WHERE sha256 = ? AND kind = 'file'", (sha,))
            }
            for path in unused_files(db_path, sha, names):
                try:
                    path.unlink()
                except OSError:
                    continue  # gone already, or cannot be removed: 'nitet doctor' reports it unused
                removed.add(sha)
    return removed


def remove_if_unused(conn: sqlite3.Connection, db_path: Path, sha256: str) -> bool:
    """Delete a stored file that no evidence row points to any more (under the write lock)."""
    return sha256 in remove_unused(conn, db_path, [sha256])


# --- files in the store that nothing points to (doctor) ---------------------------------------------

UNUSED = "unused"  # a stored file no row points to (an entry deleted, a command killed)
TEMPORARY = "temporary"  # a copy a killed command never placed
FOREIGN = "foreign"  # not nitet's: left alone


def referenced_names(conn: sqlite3.Connection) -> dict[str, set[str]]:
    """sha256 -> the stored names the evidence rows of that content have."""
    names: dict[str, set[str]] = {}
    for sha, original in conn.execute(
        "SELECT sha256, original_name FROM evidence WHERE kind = 'file' AND sha256 IS NOT NULL"
    ):
        names.setdefault(sha, set()).add(stored_name(sha, original))
    return names


def stray_files(db_path: Path, referenced: dict[str, set[str]]) -> list[tuple[Path, str]]:
    """Every file in the store that no row needs, with its kind (``referenced``: :func:`referenced_names`).

    In the store that the dated copies of ``nitet backup DIR`` share, a stored file this copy
    does not point to is another copy's: not stray (``backup --keep`` prunes that store)."""
    from nitet_cli.paths import shares_store

    root = evidence_dir(db_path)
    if not root.is_dir():
        return []
    shared = shares_store(db_path)
    found = []
    stored: set[str] = set()
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if parts[0] == THUMBS or path.is_dir():
            continue
        match = STORED_NAME.fullmatch(path.name)
        if len(parts) == 2 and match is not None and parts[0] == path.name[:2]:
            stored.add(match.group(1))
        elif any(part.startswith(TEMP_PREFIX) for part in parts):  # a copy, or a file in an import's scratch folder
            found.append((path, TEMPORARY))
        else:
            found.append((path, FOREIGN))
    for sha in stored if not shared else ():
        found.extend((path, UNUSED) for path in unused_files(db_path, sha, referenced.get(sha, set())))
    return sorted(found)


def clean_store(conn: sqlite3.Connection, db_path: Path) -> tuple[list[Path], bool]:
    """Remove the stored files no row points to and, when no command is storing files at this
    moment, the temporary copies killed commands left. Returns (removed, temporaries_skipped)."""
    from nitet_cli.db import transaction

    root = evidence_dir(db_path)
    if not root.is_dir():
        return [], False
    removed: list[Path] = []
    skipped = False
    lock_fd = None
    try:
        with transaction(conn):  # no row can be committed for a hash between the look and the unlink
            add_extensions(conn, db_path)  # finish the renames of m013 that an upgrade could not do
            temporaries = False
            if fcntl is not None:  # taken after the write lock and never waited for: no deadlock either way
                try:
                    lock_fd = _open_folder(root)
                    fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    temporaries = True
                except OSError:
                    pass  # a command is storing files now: its copies are not leftovers
            for path, kind in stray_files(db_path, referenced_names(conn)):
                if kind == FOREIGN:
                    continue
                if kind == TEMPORARY and not temporaries:
                    skipped = True
                    continue
                try:
                    path.unlink()
                except FileNotFoundError:
                    continue
                removed.append(path)
                if kind == TEMPORARY and path.parent != root and path.parent.name.startswith(TEMP_PREFIX):
                    with contextlib.suppress(OSError):
                        path.parent.rmdir()  # an import's scratch folder, once empty
    finally:
        if lock_fd is not None:
            os.close(lock_fd)
    return removed, skipped
