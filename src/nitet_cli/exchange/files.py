"""Export files: writing them (JSON, CSV, .xlsx, the .zip of ``--with-evidence``) and reading
them back for ``import`` (bounded in size, a .zip's evidence unpacked only on demand, by the
name the export gives it, into a private scratch folder inside the target's evidence store).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nitet_cli import evidence_store
from nitet_cli.errors import DatabaseError, InputError, NotFoundError, OutputError
from nitet_cli.evidence_store import CHUNK, size_text
from nitet_cli.exchange.shape import check_export
from nitet_cli.text import decode_utf8

#: The largest JSON an import reads (a .json file, or a .zip's export.json once unpacked):
#: over 100,000 entries of about 2 KB each; a bigger one is refused before it is read.
MAX_EXPORT_JSON = 256 * 1024 * 1024
ZIP_JSON = "export.json"
ZIP_EVIDENCE = "evidence/"
ZIP_MAGIC = b"PK\x03\x04"  # how a zip file starts (its first member's local header)

#: on_progress(description, done, total)
Progress = Callable[[str, int, int], None]


# --- where a target may be -------------------------------------------------------------------


def check_target_place(target: Path, databases: list[Path]) -> None:
    """Refuse (exit 5) a target of ``import`` or ``merge`` inside an evidence store: of one of
    ``databases`` (``--db``, the sources), or of any nitet database beside the store's folder.
    Its files would be foreign files of that store to ``nitet doctor`` (and ``doctor --fix``'s to remove)."""
    from nitet_cli.files import store_of_place

    held = store_of_place(target, databases)
    if held is not None:
        owner, store = held
        raise OutputError(
            f"ไม่ใช้ {target} เป็นฐานข้อมูลปลายทาง เพราะอยู่ในที่เก็บหลักฐานของฐานข้อมูล {owner} ({store})"
            f" — เลือกที่อื่นนอกโฟลเดอร์นั้น เช่น {store.parent / Path(target).name}"
        )


# --- writing ---------------------------------------------------------------------------------


def export_bytes(data: dict, fmt: str, what: str = "activities", conn: sqlite3.Connection | None = None) -> bytes:
    """The export as bytes: JSON (UTF-8); CSV as UTF-8 with a BOM so that Excel shows Thai; an .xlsx
    workbook. CSV and .xlsx (:mod:`nitet_cli.spreadsheet`) need ``conn`` for the entries' IDs and terms."""
    if fmt == "json":
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt not in ("csv", "xlsx") or conn is None:
        raise InputError(f"รูปแบบ '{fmt}' ไม่มี — เลือก json, csv หรือ xlsx")
    from nitet_cli import spreadsheet

    if fmt == "xlsx":
        return spreadsheet.workbook_bytes(spreadsheet.activity_rows(conn, data), spreadsheet.school_rows(data))
    if what == "schools":
        text = spreadsheet.csv_text(spreadsheet.SCHOOL_COLUMNS, spreadsheet.school_rows(data))
    else:
        text = spreadsheet.csv_text(spreadsheet.ACTIVITY_COLUMNS, spreadsheet.activity_rows(conn, data))
    return text.encode("utf-8-sig")


def write_export(payload: bytes, db_path: Path, out: Path) -> Path:
    from nitet_cli.files import atomic_write

    return atomic_write(Path(out), lambda tmp: tmp.write_bytes(payload), db=db_path)


def write_archive(data: dict, db_path: Path, out: Path, on_progress: Progress | None = None) -> tuple[Path, int]:
    """A .zip holding ``export.json`` and every evidence file (``evidence/<sha256>``); returns (path, files)."""
    from nitet_cli.evidence_store import sha256_of, stored_path
    from nitet_cli.files import atomic_write

    names = {e["sha256"]: e["original_name"] for a in data["activities"] for e in a["evidence"] if e["kind"] == "file"}
    shas = sorted(names)
    for sha in shas:
        path = stored_path(db_path, sha, names[sha])
        if not path.is_file():
            raise NotFoundError(
                f"ไฟล์หลักฐาน {sha[:12]}… หายไปจากที่เก็บ ({path}) — ตรวจด้วย 'nitet doctor' แล้วคัดลอกกลับจากไฟล์สำรองก่อนส่งออก"
            )

    def write(tmp: Path) -> None:
        with zipfile.ZipFile(tmp, "w") as archive:
            archive.writestr(ZIP_JSON, export_bytes(data, "json"), compress_type=zipfile.ZIP_DEFLATED)
            for done, sha in enumerate(shas, 1):
                source = stored_path(db_path, sha, names[sha])
                if sha256_of(source) != sha:
                    raise DatabaseError(
                        f"ไฟล์หลักฐาน {source} ไม่ตรงกับ SHA-256 ที่บันทึกไว้ (ถูกแก้ไขหลังบันทึก) — ตรวจด้วย 'nitet doctor'"
                    )
                archive.write(source, ZIP_EVIDENCE + sha, compress_type=zipfile.ZIP_STORED)
                if on_progress:
                    on_progress("ส่งออกไฟล์หลักฐาน", done, len(shas))

    return atomic_write(Path(out), write, db=db_path), len(shas)


# --- reading ---------------------------------------------------------------------------------


@dataclass
class Source:
    """One thing to bring into the target: its data in the exchange shape and where its evidence files are."""

    label: str
    data: dict
    files: Callable[[str], Path | None]  # sha256 -> a readable file with those bytes, or None
    manual: dict | None = None


class Scratch:
    """A private folder for the evidence files unpacked from an import's .zip (or a merge's copy of
    a source it cannot read in place), made on first use INSIDE the target's evidence store
    (``<store>/.incoming-import-…``, owner only), never in the system's temporary folder: a
    command killed half way leaves them where ``nitet doctor`` finds and names them, and the
    store's permissions keep them private. Removed when the command ends."""

    def __init__(self, db_path: Path, prefix: str = ".incoming-import-"):
        self.db_path = Path(db_path)
        self.prefix = prefix
        self._path: Path | None = None
        self._made_store = False

    def __call__(self) -> Path:
        from nitet_cli.paths import evidence_dir

        if self._path is None:
            store = evidence_dir(self.db_path)
            try:
                if not store.exists():
                    store.mkdir(parents=True, mode=0o700, exist_ok=True)
                    self._made_store = True
                self._path = Path(tempfile.mkdtemp(prefix=self.prefix, dir=store))
            except OSError as exc:
                raise OutputError(
                    f"สร้างโฟลเดอร์ชั่วคราวใน {store} ไม่ได้ ({exc.strerror or exc}) — ตรวจสิทธิ์และพื้นที่ว่างของโฟลเดอร์ฐานข้อมูล"
                ) from exc
        return self._path

    def __enter__(self) -> Scratch:
        return self

    def __exit__(self, *exc) -> None:
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            if self._made_store:
                with contextlib.suppress(OSError):
                    self._path.parent.rmdir()  # only when nothing else was stored in it
            self._path = None


def read_export(path: Path, workdir: Callable[[], Path]) -> Source:
    """An export file (.json, or the .zip of ``--with-evidence``), checked; zip members are extracted
    into ``workdir()`` only by the name the export gives them, each verified against its SHA-256 later."""
    path = Path(path).expanduser()
    if not path.exists():
        raise NotFoundError(f"ไม่พบไฟล์ {path} — ระบุไฟล์ .json หรือ .zip ที่ได้จาก 'nitet export'")
    if path.is_dir():
        raise InputError(f"{path} เป็นโฟลเดอร์ — ระบุไฟล์ .json หรือ .zip ที่ได้จาก 'nitet export'")
    from nitet_cli.db import sqlite_head
    from nitet_cli.files import SQLITE_HEADER

    head = sqlite_head(path)
    if head == SQLITE_HEADER:
        raise InputError(f"{path} เป็นไฟล์ฐานข้อมูล SQLite ไม่ใช่ไฟล์ส่งออก — รวมฐานข้อมูลด้วย 'nitet merge {path}'")
    if path.suffix.lower() in (".csv", ".xlsx", ".xls"):
        raise InputError(
            f"{path} เป็นตาราง ไม่ใช่ไฟล์ส่งออกของ nitet — 'nitet import' อ่านไฟล์ .json หรือ .zip จาก 'nitet export';"
            " รายชื่อโรงเรียนจาก CSV นำเข้าด้วย 'nitet school import'"
        )
    if zipfile.is_zipfile(path) or head.startswith(
        ZIP_MAGIC
    ):  # a zip cut short lacks its end record: damaged, not JSON
        return _read_archive(path, workdir)
    if path.stat().st_size > MAX_EXPORT_JSON:
        raise _too_big(str(path), path.stat().st_size)
    with open(path, "rb") as handle:
        raw = handle.read(MAX_EXPORT_JSON + 1)  # a file that grows while being read is still bounded
    if len(raw) > MAX_EXPORT_JSON:
        raise _too_big(str(path), len(raw))
    return Source(label=str(path), data=_parse_json(raw, str(path)), files=lambda sha: None)


def _too_big(label: str, size: int | None) -> InputError:
    limit = MAX_EXPORT_JSON // (1024 * 1024)
    have = f" ({size / (1024 * 1024):,.0f} MB)" if size else ""
    return InputError(
        f"{label} ใหญ่เกิน{have} — nitet นำเข้า JSON ได้ไม่เกิน {limit} MB;"
        " ส่งออกเป็นส่วน ๆ ด้วย 'nitet export --school …' หรือรวมฐานข้อมูลด้วย 'nitet merge'"
    )


def _evidence_too_big(path: Path, member: str) -> InputError:
    return InputError(
        f"{path}: ไฟล์หลักฐาน {member} ใหญ่เกินขีดจำกัด {size_text(evidence_store.MAX_FILE_BYTES)} ต่อไฟล์ของ nitet"
        " — ไฟล์ zip นี้ไม่ได้มาจาก 'nitet export --with-evidence' ไม่ได้นำเข้าอะไรเลย"
    )


def _parse_json(raw: bytes, label: str) -> dict:
    text = decode_utf8(raw, label, "ระบุไฟล์ .json จาก 'nitet export'")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{label}: JSON ผิดรูปแบบที่บรรทัด {exc.lineno} คอลัมน์ {exc.colno} ({exc.msg}) — ระบุไฟล์ .json จาก 'nitet export'"
        ) from exc
    except RecursionError:
        raise InputError(
            f"{label}: JSON ซ้อนกันลึกเกินไป ไม่ใช่ไฟล์จาก 'nitet export' — ระบุไฟล์ .json จาก 'nitet export'"
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise InputError(f"{label}: JSON มีค่าที่อ่านไม่ได้ ({exc}) — ระบุไฟล์ .json จาก 'nitet export'") from None
    return check_export(data)


def _read_archive(path: Path, workdir: Callable[[], Path]) -> Source:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path} เป็นไฟล์ zip ที่เสียหาย ({exc}) — ส่งออกใหม่ด้วย 'nitet export --with-evidence'") from exc
    with archive:
        names = set(archive.namelist())
        if ZIP_JSON not in names:
            raise InputError(f"{path} ไม่มี {ZIP_JSON} — ไฟล์ zip นี้ไม่ได้มาจาก 'nitet export --with-evidence'")
        member = archive.getinfo(ZIP_JSON)
        if member.file_size > MAX_EXPORT_JSON:  # refused from the size the zip declares, before unpacking
            raise _too_big(f"{path}:{ZIP_JSON}", member.file_size)
        try:
            with archive.open(member) as handle:
                raw = handle.read(MAX_EXPORT_JSON + 1)  # bounded even if the declared size lies
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:  # CRC error, truncated
            raise InputError(f"{path}: อ่าน {ZIP_JSON} ไม่ได้ ({exc}) — ไฟล์ zip เสียหาย ส่งออกใหม่") from exc
        if len(raw) > MAX_EXPORT_JSON:
            raise _too_big(f"{path}:{ZIP_JSON}", None)
        data = _parse_json(raw, f"{path}:{ZIP_JSON}")

    def files(sha: str) -> Path | None:
        """Extract one evidence file on demand (only those the target lacks), by the name the export gives it."""
        member = ZIP_EVIDENCE + sha
        if member not in names:
            return None
        target = workdir() / sha
        if not target.exists():
            try:
                limit = evidence_store.MAX_FILE_BYTES  # as for a file given to 'nitet log-visit -e'
                with zipfile.ZipFile(path) as archive:
                    if archive.getinfo(member).file_size > limit:  # refused from the declared size, unpacked never
                        raise _evidence_too_big(path, member)
                    with archive.open(member) as src, open(target, "wb") as dst:
                        copied = 0
                        while chunk := src.read(CHUNK):  # bounded even if the declared size lies (a "zip bomb")
                            copied += len(chunk)
                            if copied > limit:
                                raise _evidence_too_big(path, member)
                            dst.write(chunk)
            except InputError:
                target.unlink(missing_ok=True)
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error) as exc:  # CRC error, truncated
                target.unlink(missing_ok=True)
                raise InputError(f"{path}: อ่านไฟล์หลักฐาน {member} ไม่ได้ ({exc}) — ไฟล์ zip เสียหาย ส่งออกใหม่") from exc
        return target

    return Source(label=str(path), data=data, files=files)
