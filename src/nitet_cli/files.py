"""The files nitet writes for its user: one guard for where, one way to write.

``check_output`` is asked by every command that writes a file (``report``, ``export``,
``manual export``, ``template export``, ``backup`` and the PDF copies) before any work:
it refuses a path that is the database in use, its ``-wal``/``-shm``/``-journal``, its
evidence store or anything inside it, a file the command is reading (a template, the
DOCX being converted), or another SQLite file (someone's database), comparing resolved
paths and, where the files exist, ``os.path.samefile`` (a symlink or hard link is the
file it names).

``atomic_write`` / ``atomic_output`` write to a temporary file beside the target,
``fsync`` it, rename it over the target and ``fsync`` the folder: a crash, a full disk
or an error half way leaves the old file as it was and no temporary file behind. The
file is created readable by its owner only (``0600``, narrowed further by the umask,
never widened): reports, exports and backups carry teachers' names, findings and photos.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from nitet_cli.errors import OutputError

#: Files SQLite keeps beside a database while it is in use.
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")
SQLITE_HEADER = b"SQLite format 3\x00"
OWNER_ONLY = 0o600

#: (a path being read, what it is in Thai) — e.g. (template, "แม่แบบที่ใช้อยู่").
Reading = Iterable[tuple[Path, str]]


# --- where ---------------------------------------------------------------------------------


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _same(a: Path, b: Path) -> bool:
    """The same file: by inode where both exist (hard and symbolic links), else by resolved path."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return _real(a) == _real(b)


def _inside(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or somewhere under it (through any symlinks, or another name of the folder)."""
    real, real_folder = _real(path), _real(folder)
    if real == real_folder or real_folder in real.parents:
        return True
    if not folder.is_dir():
        return False
    for parent in (real, *real.parents):
        try:
            if parent.exists() and os.path.samefile(parent, folder):
                return True
        except OSError:
            continue
    return False


def is_sqlite_file(path: Path) -> bool:
    """An existing regular file that starts with SQLite's header (never opens a FIFO or a device)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def protected_by(path: Path, db: Path | None, reading: Reading = ()) -> str | None:
    """What ``path`` would overwrite that must not be overwritten (a Thai phrase), or None."""
    from nitet_cli.paths import evidence_dir

    if db is not None:
        db = Path(db).expanduser()
        if _same(path, db):
            return f"ฐานข้อมูล nitet ที่ใช้อยู่ ({db})"
        for suffix in SIDE_SUFFIXES:
            if _same(path, Path(f"{db}{suffix}")):
                return f"ไฟล์ {suffix[1:]} ของฐานข้อมูลที่ใช้อยู่ ({db})"
        store = evidence_dir(db)
        if _inside(path, store):
            return f"ที่เก็บหลักฐานของฐานข้อมูลที่ใช้อยู่ ({store})"
    for source, what in reading:
        if _same(path, Path(source).expanduser()):
            return f"{what} ({source})"
    return None


def store_holding(path: Path, databases: Iterable[Path]) -> tuple[Path, Path] | None:
    """The first of ``databases`` whose evidence store ``path`` is in, with that store; or None.
    A database created there would be files of a store that ``nitet doctor`` calls foreign."""
    from nitet_cli.paths import evidence_dir

    for db in databases:
        db = Path(db).expanduser()
        store = evidence_dir(db)
        if _inside(path, store):
            return db, store
    return None


def store_around(path: Path) -> tuple[Path, Path] | None:
    """The nitet database whose evidence store ``path`` is in, found beside the store itself
    (``x-evidence/`` and a SQLite file ``x.db`` whose store it is, through links too), with
    that store; or None. For a database no command line names (``--db`` inside another one's
    store). The store need not exist yet: ``a.db``'s first photo makes ``a-evidence/``."""
    from nitet_cli.paths import evidence_dir

    named = Path(path).expanduser()
    real = Path(os.path.realpath(named.parent)) / named.name
    path = Path(os.path.abspath(named))  # 'a-evidence/../g.db' is beside the store, not in it
    for folder in dict.fromkeys([*path.parents, *real.parents]):
        if not folder.name.endswith("-evidence") or (folder.exists() and not folder.is_dir()):
            continue
        stem = folder.name.removesuffix("-evidence")
        try:
            beside = sorted(p for p in folder.parent.iterdir() if p.name.startswith(stem))
        except OSError:
            continue
        for db in beside:
            if db.is_file() and is_sqlite_file(db) and evidence_dir(db) == folder:
                return db, folder
    return None


def store_of_place(path: Path, databases: Iterable[Path] = ()) -> tuple[Path, Path] | None:
    """(the database, its evidence store) when ``path`` lies in the store of one of ``databases``
    or of a nitet database beside that store; None for a place where a database may be."""
    return store_holding(path, databases) or store_around(path)


def check_output(out: Path | str, *, db: Path | None, reading: Reading = ()) -> Path:
    """``out`` as a file nitet may write: its folder exists, and it is nothing that must not be overwritten.

    ``db`` is the database in use (None: no database involved); ``reading`` the files the
    command reads. Raises OutputError (exit 5) naming the path and what it is; nothing is written.
    """
    if str(out) == "-":  # stdout to the user (-o -): a command that writes a file never writes one named '-'
        raise OutputError(
            "'-' หมายถึง stdout แต่คำสั่งนี้เขียนเป็นไฟล์ — ระบุชื่อไฟล์หรือโฟลเดอร์ (ไฟล์ชื่อ - จริง ๆ: ใช้ชื่อเต็ม เช่น $PWD/-)"
        )
    out = Path(out).expanduser()
    what = protected_by(out, db, reading)
    if what is not None:
        raise OutputError(f"ไม่เขียนทับ {out} เพราะเป็น{what} — เลือกชื่อไฟล์ผลลัพธ์อื่น")
    if out.is_dir():
        raise OutputError(f"{out} เป็นโฟลเดอร์ — ระบุชื่อไฟล์ผลลัพธ์ เช่น {out / 'document.docx'}")
    if not out.parent.is_dir():
        raise OutputError(f"ไม่มีโฟลเดอร์ {out.parent} — สร้างโฟลเดอร์ก่อน หรือเลือกที่บันทึกอื่น")
    if is_sqlite_file(out):
        raise OutputError(
            f"ไม่เขียนทับ {out} เพราะเป็นไฟล์ฐานข้อมูล SQLite (อาจเป็นฐานข้อมูล nitet ของคุณ ของคนอื่น หรือของกลุ่ม) — เลือกชื่อไฟล์ผลลัพธ์อื่น"
        )
    return out


# --- how -----------------------------------------------------------------------------------


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    # os.umask can only be read by setting it; set the strictest one for that instant (a file
    # another thread creates meanwhile is, if anything, more private), one thread at a time.
    with _UMASK_LOCK:
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def _make_private(path: Path) -> None:
    mode = private_mode()
    if stat.S_IMODE(os.stat(path).st_mode) == mode:
        return  # mkstemp made it so already
    try:
        os.chmod(path, mode)
    except OSError as exc:
        # FAT and exFAT (a USB stick) keep no permissions: the mount decides, nothing to narrow.
        if exc.errno not in (
            errno.EPERM,
            getattr(errno, "ENOTSUP", errno.EPERM),
            getattr(errno, "EOPNOTSUPP", errno.EPERM),
        ):
            raise


def private_mode() -> int:
    """0600 narrowed by the umask: an output file is never more open than its owner."""
    return OWNER_ONLY & ~_umask()


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (where the system allows opening a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_error(out: Path, exc: OSError, *, existed: bool, left: str | None = None) -> OutputError:
    """One Thai sentence for an OSError while writing ``out``: what happened, what to do, what is left
    (``left``: say it instead of "the old file is intact")."""
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        reason, advice = "พื้นที่ดิสก์เต็ม", "ลบไฟล์ที่ไม่ใช้แล้วให้มีที่ว่าง หรือเลือกที่บันทึกอื่น"
    elif code == errno.EFBIG:
        reason, advice = "ไฟล์ใหญ่เกินขนาดที่ระบบไฟล์ยอมให้", "เลือกที่บันทึกบนดิสก์อื่น"
    elif code == errno.EROFS:
        reason, advice = "ระบบไฟล์นั้นอ่านได้อย่างเดียว", "เลือกที่บันทึกที่เขียนได้"
    elif code in (errno.EACCES, errno.EPERM):
        reason, advice = "ไม่มีสิทธิ์เขียน", "ตรวจสิทธิ์ของโฟลเดอร์ หรือเลือกที่บันทึกอื่น"
    else:
        reason = exc.strerror or str(exc)
        advice = "ปิดไฟล์นี้ในโปรแกรมอื่น หรือเลือกที่บันทึกอื่น"
    left = left or ("ไฟล์เดิมยังอยู่ครบ" if existed else "ไม่มีไฟล์ใดถูกเขียน")
    return OutputError(f"บันทึก {out} ไม่ได้ ({reason}) — {advice}; {left}")


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@contextlib.contextmanager
def atomic_output(
    out: Path, *, sync: bool = True, left: str | None = None, prefix: str | None = None
) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; when the block ends without error it becomes ``out``.

    The temporary file is created ``0600`` (narrowed by the umask), ``fsync``ed and renamed
    over ``out``; the folder is ``fsync``ed. On any error it is removed and ``out`` is as it
    was; an OSError becomes one OutputError (exit 5; ``left`` says what is still intact, when
    that is more than the old file). ``sync=False`` skips the two fsyncs (for a cache that can
    be rebuilt). The temporary name is ``.<name>.<random>.tmp``, or ``<prefix><random>.tmp``.
    """
    out = Path(out)
    existed = out.exists()
    try:
        fd, name = tempfile.mkstemp(prefix=prefix or f".{out.name}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise write_error(out, exc, existed=existed, left=left) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _make_private(tmp)
        if sync:
            fsync_file(tmp)
        os.replace(tmp, out)
        if sync:
            fsync_dir(out.parent)
    except OSError as exc:
        raise write_error(out, exc, existed=existed, left=left) from exc
    finally:
        remove_quietly(tmp)


def atomic_write(
    out: Path | str, write: Callable[[Path], object], *, db: Path | None, reading: Reading = (), sync: bool = True
) -> Path:
    """Check ``out`` (:func:`check_output`), then ``write(tmp)`` and rename it over ``out``; returns ``out``.

    ``db`` is required so that no caller forgets the guard: the database in use, or None
    when none is involved (a cache inside the store passes None on purpose).
    """
    out = check_output(out, db=db, reading=reading)
    with atomic_output(out, sync=sync) as tmp:
        write(tmp)
    return out


def copy_into(source: Path, out: Path, *, db: Path | None, reading: Reading = ()) -> Path:
    """Copy ``source`` to ``out`` atomically (see :func:`atomic_write`)."""
    import shutil

    return atomic_write(out, lambda tmp: shutil.copyfile(source, tmp), db=db, reading=reading)


class QuietAfterFailure:
    """The file a ZIP writer writes into; after its first failure it behaves as a null device.

    python-docx's ``save`` does not close its ``ZipFile`` when a write fails (a full disk):
    the ZipFile lives on in the traceback and, when it is collected, ``ZipFile.__del__``
    tries to write its directory again and prints "Exception ignored in ZipFile.__del__"
    after the user's one-sentence error. Given this file instead, that late attempt
    writes nowhere and keeps a consistent position (the temporary file is thrown away).
    """

    def __init__(self, handle):
        self._handle = handle
        self._position = 0
        self.broken = False

    def _guard(self, call, *args):
        try:
            return call(*args)
        except BaseException:
            self.broken = True
            raise

    def write(self, data) -> int:
        if self.broken:
            written = len(data)
        else:
            written = self._guard(self._handle.write, data)
        self._position += written
        return written

    def tell(self) -> int:
        if not self.broken:
            self._position = self._guard(self._handle.tell)
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if not self.broken:
            self._position = self._guard(self._handle.seek, offset, whence)
        elif whence == os.SEEK_SET:
            self._position = offset
        elif whence == os.SEEK_CUR:
            self._position += offset
        return self._position

    def flush(self) -> None:
        if not self.broken:
            self._guard(self._handle.flush)


def save_zip_into(tmp: Path, save: Callable[[object], object]) -> None:
    """``save(file)`` into ``tmp`` through :class:`QuietAfterFailure`."""
    with open(tmp, "wb") as handle:
        sink = QuietAfterFailure(handle)
        try:
            save(sink)
        except BaseException:
            sink.broken = True
            raise
