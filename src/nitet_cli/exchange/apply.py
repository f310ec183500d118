"""Bringing sources (export files, other databases) into a target database: the machinery
``import`` and ``merge`` share.

Everything is checked first (standards, schools, identities, evidence files and their
SHA-256: ``write_sources``), files are copied into the store, then the database is written in
one transaction; the rules of who wins a disagreement are in :mod:`nitet_cli.exchange`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from nitet_cli.activity_rows import (
    ACTIVITY_FIELDS,
    EVIDENCE_FIELDS,
    ActivityRow,
    EvidenceRow,
    delete_activity_rows,
    write_activity,
)
from nitet_cli.clock import now_iso
from nitet_cli.deletions import FUTURE_TOLERANCE, instant
from nitet_cli.errors import DatabaseError, InputError, NotFoundError
from nitet_cli.exchange.files import Progress, Source
from nitet_cli.exchange.shape import DELETION_FIELDS, FOLLOW_UP_FIELDS
from nitet_cli.profile import PROFILE_FIELDS

if TYPE_CHECKING:
    from nitet_cli.evidence_store import Staging


@dataclass
class Conflict:
    """A source and the target (or two sources) disagree about the same entry."""

    kind: str  # supervisor, school, activity, evidence, follow_up, term
    key: str  # uuid, a school code, or a term ("2/2569")
    label: str  # a name or title a person recognises
    source: str
    fields: list[str]
    kept: str  # "source" (the source's entry is newer), "target", "owner" (the database owner's own profile), or "deleted" (a deletion kept)
    deleted_in: str | None = None  # a deletion that lost to a later edit: where it was deleted
    future: str | None = None  # the source's time stamp that is later than this computer's clock allows
    future_in: str | None = None  # where the copy stamped ``future`` is, when not in the source: the target

    def message(self) -> str:
        thing = {
            "supervisor": "ศึกษานิเทศก์",
            "school": "โรงเรียน",
            "activity": "กิจกรรม",
            "evidence": "หลักฐาน",
            "follow_up": "ข้อเสนอแนะที่ต้องติดตาม",
            "term": "ภาคเรียน",
        }[self.kind]
        if self.future is not None:
            return self._future_message(thing)
        if self.kind == "term":
            return (
                f"{thing} {self.key} ใน {self.source} {self.label} — คงวันที่ในฐานข้อมูลนี้ไว้;"
                f" ถ้าวันที่ในไฟล์ถูก แก้ด้วย 'nitet term set {' '.join(reversed(self.key.split('/')))} --start … --end …'"
            )
        if self.deleted_in is not None and self.kept == "owner":
            return (
                f"{thing} '{self.label}' ({self.key}) ถูกลบใน {self.deleted_in} โดยผู้อื่น"
                " — คงไว้ (งานของเจ้าของฐานข้อมูลลบได้โดยเจ้าของเท่านั้น)"
            )
        if self.deleted_in is not None:
            edited = self.source if self.kept == "source" else "ฐานข้อมูลปลายทาง"
            return (
                f"{thing} '{self.label}' ({self.key}) ถูกลบใน {self.deleted_in} แต่ {edited} แก้ไขหลังการลบ"
                " — เก็บฉบับที่แก้ไขไว้ (แก้ไขล่าสุดกว่าการลบ); ถ้าตั้งใจลบ ให้ลบอีกครั้ง"
            )
        if self.kept == "owner":
            return (
                f"{thing} '{self.label}' ({self.key}) ใน {self.source} ไม่ตรงกันที่ {', '.join(self.fields)}"
                " — คงโปรไฟล์ของเจ้าของฐานข้อมูลไว้ (เจ้าของแก้เองด้วย 'nitet profile set' หรือ 'nitet manual load' เท่านั้น)"
            )
        kept = "ใช้ข้อมูลจาก " + self.source if self.kept == "source" else "คงข้อมูลเดิมในฐานข้อมูลปลายทาง"
        return f"{thing} '{self.label}' ({self.key}) ไม่ตรงกันที่ {', '.join(self.fields)} — {kept} (แก้ไขล่าสุดกว่า)"

    def _future_message(self, thing: str) -> str:
        """A time stamp from the source later than this computer's clock (see ``_Applier.future``)."""
        from nitet_cli.thai import be_date

        when = f"ลงเวลาไว้ {be_date(self.future)} ซึ่งยังมาไม่ถึงตามนาฬิกาของเครื่องนี้ (นาฬิกาของเครื่องต้นทางอาจตั้งผิด)"
        again = "ถ้าฉบับในต้นทางถูก ให้ต้นทางตั้งนาฬิกาให้ถูก แก้ไขรายการนี้อีกครั้ง แล้วส่งออกหรือรวมใหม่"
        entry = f"{thing} '{self.label}' ({self.key})"
        if self.future_in is not None:
            return (
                f"{entry} ใน{self.future_in} ลงเวลาแก้ไขไว้ {be_date(self.future)} ซึ่งยังมาไม่ถึงตามนาฬิกาของเครื่องนี้"
                f" (นาฬิกาของเครื่องที่แก้ไขอาจตั้งผิด) — ลบตามการลบใน {self.deleted_in} แล้ว"
                " (เวลาที่ยังมาไม่ถึงไม่นับว่าแก้ไขหลังการลบ); ถ้ายังต้องการรายการนี้ ให้บันทึกใหม่"
            )
        if self.kept == "source":
            return f"{entry} ใน {self.source} {when} — รับไว้แล้ว โดยลงเวลาเป็นเวลาที่นำเข้าแทน"
        if self.kept == "deleted":
            return f"{entry} ใน {self.source} {when} — ไม่นำกลับ เพราะถูกลบแล้วใน {self.deleted_in}; {again}"
        if self.deleted_in is not None:
            return (
                f"{entry} ถูกลบใน {self.deleted_in} โดย{when} — คงไว้ ไม่ลบ (ไม่รู้ว่าลบก่อนหรือหลังการแก้ไขในเครื่องนี้);"
                " ถ้าตั้งใจลบ ให้ลบในฐานข้อมูลนี้"
            )
        return f"{entry} ใน {self.source} ไม่ตรงกันที่ {', '.join(self.fields)} และ{when} — คงข้อมูลเดิมในฐานข้อมูลปลายทางไว้; {again}"


@dataclass
class SupervisorCount:
    uuid: str
    name: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_target: int = 0
    deleted: int = 0  # entries removed by a deletion from a source
    total: int = 0  # activities of this supervisor in the target afterwards


@dataclass
class ApplyResult:
    sources: list[str] = field(default_factory=list)
    supervisors_added: int = 0
    supervisors_updated: int = 0
    schools_added: int = 0
    schools_updated: int = 0
    terms_added: int = 0  # announced term dates the target had not set
    owner_taken: str | None = None  # import --as-owner: the name of the export's owner, now this database's
    activities_added: int = 0
    activities_updated: int = 0
    activities_deleted: int = 0
    activities_unchanged: int = 0
    activities_stay_deleted: int = 0  # a source still had them, but they were deleted later
    evidence_added: int = 0
    evidence_deleted: int = 0
    follow_ups_added: int = 0
    follow_ups_updated: int = 0
    deletions_recorded: int = 0  # the target's record of deletions (m008) that travel on
    files_copied: int = 0
    files_removed: int = 0  # stored files no entry uses any more after applied deletions
    manual_copied: bool = False
    per_supervisor: dict[str, SupervisorCount] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    unused_files: set[str] = field(default_factory=set)  # sha256 to remove after the commit if unused

    @property
    def changed(self) -> bool:
        return any(
            (
                self.supervisors_added,
                self.supervisors_updated,
                self.schools_added,
                self.schools_updated,
                self.terms_added,
                self.owner_taken,
                self.activities_added,
                self.activities_updated,
                self.activities_deleted,
                self.evidence_added,
                self.evidence_deleted,
                self.follow_ups_added,
                self.follow_ups_updated,
                self.manual_copied,
            )
        )

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["unused_files"]
        data["per_supervisor"] = [asdict(c) for c in self.per_supervisor.values()]
        data["conflicts"] = [{**asdict(c), "message": c.message()} for c in self.conflicts]
        data["changed"] = self.changed
        return data


def _newer(incoming: str | None, existing: str | None) -> bool:
    """True when ``incoming`` was updated strictly later than ``existing`` (a tie keeps the target's)."""
    return instant(incoming) > instant(existing)


def plan_files(
    conn: sqlite3.Connection, db_path: Path, sources: list[Source], on_progress: Progress | None = None
) -> dict[str, Path]:
    """Check, before anything is written, that every evidence file the target lacks can be had from a
    source with the right SHA-256. Returns sha256 -> a verified file to copy into the store."""
    from nitet_cli.evidence_store import sha256_of, stored_path

    wanted: dict[str, tuple[Source, str, str]] = {}  # sha -> (source, file name, where)
    for source in sources:
        for i, a in enumerate(source.data["activities"]):
            for j, e in enumerate(a["evidence"]):
                sha = e["sha256"]
                if e["kind"] != "file" or sha in wanted or stored_path(db_path, sha, e["original_name"]).is_file():
                    continue
                wanted[sha] = (
                    source,
                    e["original_name"] or sha[:12],
                    f"กิจกรรม '{a['title']}' (activities[{i}].evidence[{j}])",
                )
    needed: dict[str, Path] = {}
    for done, (sha, (source, name, where)) in enumerate(wanted.items(), 1):
        path = source.files(sha)
        if path is None or not Path(path).is_file():
            hint = (
                "ส่งออกใหม่ด้วย 'nitet export --with-evidence' แล้วนำเข้าไฟล์ .zip"
                if source.manual is None
                else f"ตรวจ {source.label} ด้วย 'nitet --db {source.label} doctor' แล้วคัดลอกไฟล์กลับจากไฟล์สำรอง"
            )
            raise NotFoundError(f"{source.label}: ไม่มีไฟล์หลักฐาน '{name}' ของ{where} — {hint}")
        try:
            actual = sha256_of(Path(path))
        except OSError as exc:
            raise InputError(
                f"{source.label}: อ่านไฟล์หลักฐาน '{name}' ไม่ได้ ({exc.strerror}) — ตรวจสิทธิ์ของไฟล์ {path}"
            ) from exc
        if actual != sha:
            raise InputError(
                f"{source.label}: ไฟล์หลักฐาน '{name}' ไม่ตรงกับ SHA-256 ที่บันทึกไว้ (ไฟล์เสียหายหรือถูกแก้ไข) — ส่งออกหรือสำรองใหม่จากต้นทาง"
            )
        needed[sha] = Path(path)
        if on_progress:
            on_progress("ตรวจไฟล์หลักฐาน", done, len(wanted))
    return needed


def check_references(conn: sqlite3.Connection, sources: list[Source], extra_standards: Iterable[str] = ()) -> None:
    """Every standard an activity names must be in the target's manual; every school must be known."""
    known = {r[0] for r in conn.execute("SELECT id FROM standards")} | set(extra_standards)
    target_schools = {r[0] for r in conn.execute("SELECT code FROM schools")}
    if not known:
        raise NotFoundError("ฐานข้อมูลปลายทางยังไม่มีคู่มือปฏิบัติงาน — โหลดด้วย 'nitet init' ก่อนนำเข้า")
    for source in sources:
        codes = target_schools | {s["code"] for s in source.data["schools"]}
        for i, a in enumerate(source.data["activities"]):
            for j, sid in enumerate(a["standards"]):
                if sid not in known:
                    from nitet_cli.text import nearest

                    close = nearest(sid, sorted(known))
                    hint = f"ใกล้เคียง: {', '.join(close)}; " if close else ""
                    raise NotFoundError(
                        f"{source.label}: กิจกรรม '{a['title']}' (activities[{i}].standards[{j}]) ใช้มาตรฐาน '{sid}'"
                        f" ซึ่งไม่มีในคู่มือของฐานข้อมูลปลายทาง — {hint}โหลดคู่มือที่มีมาตรฐานนี้ด้วย 'nitet manual load' ก่อน"
                    )
            for j, code in enumerate(a["schools"]):
                if code not in codes:
                    raise NotFoundError(
                        f"{source.label}: กิจกรรม '{a['title']}' (activities[{i}].schools[{j}]) อ้างถึงโรงเรียนรหัส {code}"
                        " ซึ่งไม่มีทั้งในไฟล์และในฐานข้อมูลปลายทาง — เพิ่มโรงเรียนนี้ก่อนด้วย 'nitet school add'"
                    )


@dataclass(frozen=True)
class _Person:
    """Who a supervisor UUID is, as the target or a source says."""

    name: str
    whose: str  # who says so: the database owner, the target, or a source's label


@dataclass(frozen=True)
class _Entry:
    """The entry a piece of evidence belongs to."""

    uuid: str
    described: str  # the entry and where it is, as a person reads it


def check_conflicts(conn: sqlite3.Connection, sources: list[Source]) -> None:
    """Refuse, before anything is written, what an import or a merge must never do:

    - credit two people's work to one person: a source and the target (its owner or another
      supervisor), or two sources, name different people under one supervisor UUID — what a
      database started as a copy of a colleague's looks like;
    - move a piece of evidence to another entry: an evidence UUID that the target (or another
      source) already has under another entry.
    """
    claims: dict[str, _Person] = {}  # supervisor uuid -> who it is
    for row in conn.execute("SELECT uuid, name, is_self FROM supervisors ORDER BY is_self DESC, id"):
        claims[row["uuid"]] = _Person(row["name"], "เจ้าของฐานข้อมูลนี้" if row["is_self"] else "ฐานข้อมูลปลายทาง")
    for source in sources:
        for s in source.data["supervisors"]:
            person = claims.setdefault(s["uuid"], _Person(s["name"], source.label))
            if person.name != s["name"]:
                raise InputError(
                    f"{source.label} มีศึกษานิเทศก์ '{s['name']}' ที่ใช้ UUID {s['uuid']} เดียวกับ '{person.name}' ของ{person.whose}"
                    " — สองคนใช้ตัวตนเดียวกัน (ฐานข้อมูลหนึ่งคัดลอกมาจากอีกฐานหนึ่ง) จึงไม่ได้นำเข้าอะไรเลย:"
                    " ให้ผู้ที่เริ่มจากสำเนารัน 'nitet profile new-identity' ในฐานข้อมูลของตนแล้วส่งออกใหม่"
                    " (ถ้าเป็นคนเดียวกันที่เปลี่ยนชื่อ ให้รวมลงฐานข้อมูลรวมไฟล์ใหม่)"
                )
    entry_of: dict[str, _Entry] = {}  # evidence uuid -> the entry it belongs to
    for source in sources:
        for i, a in enumerate(source.data["activities"]):
            for j, e in enumerate(a["evidence"]):
                entry = entry_of.get(e["uuid"])
                if entry is None:
                    row = conn.execute(
                        "SELECT a.uuid, a.title FROM evidence e JOIN activities a ON a.id = e.activity_id WHERE e.uuid = ?",
                        (e["uuid"],),
                    ).fetchone()
                    entry = entry_of[e["uuid"]] = (
                        _Entry(row["uuid"], f"กิจกรรม '{row['title']}' ในฐานข้อมูลปลายทาง")
                        if row
                        else _Entry(a["uuid"], f"กิจกรรม '{a['title']}' ใน {source.label}")
                    )
                if entry.uuid != a["uuid"]:
                    raise InputError(
                        f"{source.label}: หลักฐาน {e['uuid']} ของกิจกรรม '{a['title']}' (activities[{i}].evidence[{j}])"
                        f" เป็นหลักฐานของ{entry.described} อยู่แล้ว — หลักฐานไม่ย้ายไปรายการอื่นผ่านการนำเข้าหรือการรวม"
                        " จึงไม่ได้นำเข้าอะไรเลย; ส่งออกใหม่จากต้นทาง หรือแนบไฟล์นั้นเป็นหลักฐานใหม่ด้วย 'nitet evidence add'"
                    )
    visit_of: dict[str, str] = {}  # follow-up uuid -> its visit's uuid
    for source in sources:
        for i, f in enumerate(source.data.get("follow_ups", [])):
            known = visit_of.get(f["uuid"])
            if known is None:
                row = conn.execute(
                    "SELECT a.uuid FROM follow_ups f JOIN activities a ON a.id = f.activity_id WHERE f.uuid = ?",
                    (f["uuid"],),
                ).fetchone()
                known = visit_of[f["uuid"]] = row[0] if row else f["activity"]
            if known != f["activity"]:
                raise InputError(
                    f"{source.label}: ข้อเสนอแนะที่ต้องติดตาม {f['uuid']} (follow_ups[{i}]) เป็นของการนิเทศ {known} อยู่แล้ว"
                    " — ข้อเสนอแนะไม่ย้ายไปการนิเทศอื่นผ่านการนำเข้าหรือการรวม จึงไม่ได้นำเข้าอะไรเลย; ส่งออกใหม่จากต้นทาง"
                )


def file_names(sources: list[Source]) -> dict[str, str]:
    """sha256 -> the original name of the first piece of evidence with that content (its stored name's extension)."""
    names: dict[str, str] = {}
    for source in sources:
        for a in source.data["activities"]:
            for e in a["evidence"]:
                if e["kind"] == "file":
                    names.setdefault(e["sha256"], e["original_name"] or "")
    return names


def store_files(
    staging: Staging, files: dict[str, Path], on_progress: Progress | None = None, names: dict[str, str] | None = None
) -> int:
    """Copy verified files into the target's store under temporary names, before the database
    transaction; ``staging.place()`` inside it gives them their stored names (``names``: sha256 ->
    the original name that gives the extension, :func:`file_names`)."""
    for done, (sha, path) in enumerate(sorted(files.items()), 1):
        stored = staging.add(path, (names or {}).get(sha))
        if stored.sha256 != sha:
            raise InputError(f"ไฟล์หลักฐาน {path} เปลี่ยนไประหว่างการคัดลอก — ลองใหม่")
        if on_progress:
            on_progress("คัดลอกไฟล์หลักฐาน", done, len(files))
    return len(files)


def place_files(staging: Staging, sources: list[Source]) -> None:
    """Inside the write transaction: place the copies, and make sure every file the sources point to
    and the target already had (seen before the lock) is still there under the name of each row
    (``ab/<sha256>.<ext>``), copying it again if not — from the source, or from another name of
    the same content in the target."""
    from nitet_cli.evidence_store import find_stored

    staging.place()
    for source in sources:
        for a in source.data["activities"]:
            for e in a["evidence"]:
                sha = e["sha256"]
                if e["kind"] != "file":
                    continue
                path = source.files(sha) or find_stored(staging.db_path, sha)
                if path is not None:
                    staging.ensure(sha, Path(path), e["original_name"])
                else:
                    raise NotFoundError(
                        f"{source.label}: ไม่มีไฟล์หลักฐาน '{e['original_name'] or sha[:12]}' และไฟล์นั้นเพิ่งถูกลบจากที่เก็บปลายทาง — ลองใหม่"
                    )


@contextlib.contextmanager
def written_or_undone(conn: sqlite3.Connection, db_path: Path) -> Iterator[None]:
    """Around the transaction: turn a database error into one sentence (the Staging around it takes
    the files it placed away again, under the write lock, when no committed row uses them)."""
    try:
        yield
    except sqlite3.Error as exc:
        raise DatabaseError(
            f"เขียนฐานข้อมูล {db_path} ไม่สำเร็จ ({exc}) — ไม่มีการเปลี่ยนแปลงใด ๆ; ตรวจด้วย 'nitet doctor' แล้วลองใหม่"
        ) from exc


def copy_manual(conn: sqlite3.Connection, manual: dict) -> None:
    """Copy a manual's rows as they are into a target that has none (inside the caller's transaction)."""
    for row in manual["meta"]:
        conn.execute("INSERT OR IGNORE INTO manual_meta (key, value) VALUES (?, ?)", (row["key"], row["value"]))
    for table in ("duties", "standards"):
        for row in manual[table]:
            columns = list(row)
            conn.execute(
                f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [row[c] for c in columns],
            )


class _Applier:
    """Writes sources into the target inside the caller's transaction, keeping score in ``result``.

    ``deletions`` is every deletion known to the target and the sources (the latest of each
    UUID): a copy that is not newer than its deletion is never brought back, and a deletion
    from a source removes the target's copy when it is at least as new (``apply_deletions``).
    The database owner's own entries are deleted only by a deletion the owner made.

    A source's time stamp later than ``now`` + ``FUTURE_TOLERANCE`` (a computer whose clock was
    wrong) never wins over what the target has: a copy so stamped does not replace the target's
    copy, does not bring back a deleted entry, and a deletion so stamped (``late``) removes
    nothing and is not recorded — each reported. What the target lacks is added (a colleague's
    work is never dropped) with such stamps replaced by ``now``, and reported, so that the
    target never holds a time stamp that would beat every later edit. The target's own copy
    stamped that far ahead (written before this rule, or on this computer while its clock was
    wrong) does not stop a source's deletion either: the deletion applies, reported, so that
    both databases end with the entry deleted whichever way the deletion travels.
    """

    TARGET = "ฐานข้อมูลปลายทาง"

    def __init__(
        self,
        conn: sqlite3.Connection,
        result: ApplyResult,
        deletions: dict[str, dict],
        late: list[dict] | None = None,
        now: str | None = None,
    ):
        self.conn = conn
        self.result = result
        self.deletions = deletions
        self.late = late or []
        self.now = now or now_iso()
        self.horizon: datetime = instant(self.now) + FUTURE_TOLERANCE
        self.supervisor_ids = {r["uuid"]: r["id"] for r in conn.execute("SELECT id, uuid FROM supervisors")}
        row = conn.execute("SELECT uuid FROM supervisors WHERE is_self = 1").fetchone()
        self.owner: str | None = row[0] if row else None

    def _by_someone_else(self, deletion: dict, supervisor_uuid: str | None, *, in_target: bool) -> bool:
        """A source's deletion of one of the owner's own entries (an entry of the target under the
        owner or under no one; an incoming one under the owner) that the owner did not make."""
        if self.owner is None or deletion["source"] is None or deletion["deleted_by"] == self.owner:
            return False
        return supervisor_uuid == self.owner or (in_target and supervisor_uuid is None)

    def future(self, stamp: str | None) -> bool:
        """``stamp`` (from a source) is later than this computer's clock allows: not believed."""
        return instant(stamp) > self.horizon

    def _stamp(self, stamp: str) -> str:
        """A source's time stamp as the target keeps it: one in the future becomes ``now``."""
        return self.now if self.future(stamp) else stamp

    def _added_in_the_future(self, kind: str, key: str, label: str, source: str, stamps: dict[str, str]) -> None:
        """Report what was written with a source's time stamps in the future replaced by ``now``."""
        late = [name for name, stamp in stamps.items() if self.future(stamp)]
        if late:
            latest = max((stamps[name] for name in late), key=instant)
            self.result.conflicts.append(Conflict(kind, key, label, source, late, "source", future=latest))

    def _disagree(
        self, kind: str, key: str, label: str, source: str, differ: list[str], updated_at: str, row: sqlite3.Row
    ) -> bool:
        """Report that a source and the target's ``row`` disagree at ``differ``; True when the
        source's copy was updated later (it is the one kept). A source's copy updated "in the
        future" never is: the target's copy may hold an edit made after it."""
        if self.future(updated_at):
            self.result.conflicts.append(Conflict(kind, key, label, source, differ, "target", future=updated_at))
            return False
        newer = _newer(updated_at, row["updated_at"])
        self.result.conflicts.append(Conflict(kind, key, label, source, differ, "source" if newer else "target"))
        return newer

    # supervisors ---------------------------------------------------------------------------
    def supervisor(self, s: dict, source: str) -> None:
        row = self.conn.execute("SELECT * FROM supervisors WHERE uuid = ?", (s["uuid"],)).fetchone()
        if row is None:
            cur = self.conn.execute(
                f"INSERT INTO supervisors (uuid, {', '.join(PROFILE_FIELDS)}, is_self, updated_at)"
                f" VALUES (?, {', '.join('?' for _ in PROFILE_FIELDS)}, 0, ?)",
                (s["uuid"], *(s[k] for k in PROFILE_FIELDS), self._stamp(s["updated_at"])),
            )
            self.supervisor_ids[s["uuid"]] = cur.lastrowid
            self.result.supervisors_added += 1
            self._added_in_the_future("supervisor", s["uuid"], s["name"], source, {"updated_at": s["updated_at"]})
            return
        differ = [k for k in PROFILE_FIELDS if row[k] != s[k]]
        if not differ:
            return
        if row["is_self"]:  # the owner's own profile changes only by the owner, never by an import or merge
            self.result.conflicts.append(Conflict("supervisor", s["uuid"], row["name"], source, differ, "owner"))
            return
        newer = self._disagree("supervisor", s["uuid"], s["name"], source, differ, s["updated_at"], row)
        if newer:
            self.conn.execute(
                f"UPDATE supervisors SET {', '.join(f'{k} = ?' for k in PROFILE_FIELDS)}, updated_at = ? WHERE id = ?",
                (*(s[k] for k in PROFILE_FIELDS), s["updated_at"], row["id"]),
            )
            self.result.supervisors_updated += 1

    # schools -------------------------------------------------------------------------------
    def school(self, s: dict, source: str) -> None:
        row = self.conn.execute("SELECT * FROM schools WHERE code = ?", (s["code"],)).fetchone()
        if row is None:
            self.conn.execute(
                "INSERT INTO schools (code, name, school_group, district, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (s["code"], s["name"], s["group"], s["district"], *[self._stamp(s["updated_at"])] * 2),
            )
            self.result.schools_added += 1
            self._added_in_the_future("school", s["code"], s["name"], source, {"updated_at": s["updated_at"]})
            return
        current = {"name": row["name"], "group": row["school_group"], "district": row["district"]}
        differ = [k for k in current if current[k] != s[k]]
        if not differ:
            return
        newer = self._disagree("school", s["code"], s["name"], source, differ, s["updated_at"], row)
        if newer:
            self.conn.execute(
                "UPDATE schools SET name = ?, school_group = ?, district = ?, updated_at = ? WHERE code = ?",
                (s["name"], s["group"], s["district"], s["updated_at"], s["code"]),
            )
            self.result.schools_updated += 1

    # terms ---------------------------------------------------------------------------------
    def term(self, t: dict, source: str) -> None:
        """An announced term: added when the target has not set it, else the target's dates are
        kept and a difference reported (as is a term that would overlap another of the target's)."""
        from nitet_cli.terms import clashing_term

        key = f"{t['term']}/{t['year']}"
        shown = f"{t['start']} – {t['end']}"
        row = self.conn.execute(
            "SELECT start_date, end_date FROM terms WHERE year = ? AND term = ?", (t["year"], t["term"])
        ).fetchone()
        if row is not None:
            differ = [k for k, v in (("start", row["start_date"]), ("end", row["end_date"])) if t[k] != v]
            if differ:
                label = f"({shown}) ไม่ตรงกับวันที่ที่กำหนดไว้ในฐานข้อมูลนี้ ({row['start_date']} – {row['end_date']})"
                self.result.conflicts.append(Conflict("term", key, label, source, differ, "target"))
            return
        clash = clashing_term(
            self.conn, t["year"], t["term"], date.fromisoformat(t["start"]), date.fromisoformat(t["end"])
        )
        if clash is not None:
            label = f"({shown}) ทับกับภาคเรียน {clash.term}/{clash.year} ที่กำหนดไว้ในฐานข้อมูลนี้ จึงไม่ได้เพิ่ม"
            self.result.conflicts.append(Conflict("term", key, label, source, ["start", "end"], "target"))
            return
        self.conn.execute(
            "INSERT INTO terms (year, term, start_date, end_date) VALUES (?, ?, ?, ?)",
            (t["year"], t["term"], t["start"], t["end"]),
        )
        self.result.terms_added += 1

    # activities ----------------------------------------------------------------------------
    def _count(self, supervisor_uuid: str | None, names: dict[str, str]) -> SupervisorCount:
        key = supervisor_uuid or ""
        if key not in self.result.per_supervisor:
            self.result.per_supervisor[key] = SupervisorCount(key, names.get(key, "(ไม่ระบุ)"))
        return self.result.per_supervisor[key]

    def _existing(self, activity_uuid: str) -> tuple[sqlite3.Row, dict] | None:
        row = self.conn.execute(
            "SELECT a.*, s.uuid AS supervisor_uuid FROM activities a LEFT JOIN supervisors s ON s.id = a.supervisor_id WHERE a.uuid = ?",
            (activity_uuid,),
        ).fetchone()
        if row is None:
            return None
        comparable = {
            "supervisor": row["supervisor_uuid"],
            **{k: row[k] for k in ACTIVITY_FIELDS},
            "standards": sorted(
                r[0]
                for r in self.conn.execute(
                    "SELECT standard_id FROM activity_standards WHERE activity_id = ?", (row["id"],)
                )
            ),
            "schools": sorted(
                r[0]
                for r in self.conn.execute(
                    "SELECT school_code FROM activity_schools WHERE activity_id = ?", (row["id"],)
                )
            ),
            "evidence": sorted(
                (r["uuid"], *(r[k] for k in EVIDENCE_FIELDS))
                for r in self.conn.execute("SELECT * FROM evidence WHERE activity_id = ?", (row["id"],))
            ),
        }
        return row, comparable

    @staticmethod
    def _comparable(a: dict) -> dict:
        return {
            "supervisor": a["supervisor"],
            **{k: a[k] for k in ACTIVITY_FIELDS},
            "standards": sorted(a["standards"]),
            "schools": sorted(a["schools"]),
            "evidence": sorted((e["uuid"], *(e[k] for k in EVIDENCE_FIELDS)) for e in a["evidence"]),
        }

    def _edited_after_deletion(self, uuid: str, kind: str, label: str, source: str) -> None:
        """A copy newer than its deletion comes back: the deletion is reported and forgotten."""
        deletion = self.deletions.pop(uuid)
        self.result.conflicts.append(
            Conflict(kind, uuid, label, source, ["deleted"], "source", deleted_in=deletion["source"] or self.TARGET)
        )
        self.conn.execute("DELETE FROM deletions WHERE uuid = ?", (uuid,))

    def _deletion_stays(self, kind: str, uuid: str, label: str, source: str, updated_at: str) -> None:
        """A copy "edited after its deletion" only by a clock in the future: it stays deleted, reported."""
        deletion = self.deletions[uuid]
        self.result.conflicts.append(
            Conflict(
                kind,
                uuid,
                label,
                source,
                ["deleted"],
                "deleted",
                deleted_in=deletion["source"] or self.TARGET,
                future=updated_at,
            )
        )

    def _not_deleted(self, a: dict, source: str) -> dict | None:
        """``a`` without what was deleted at or after its last edit; None when the whole entry was."""
        deletion = self.deletions.get(a["uuid"])
        if deletion is not None and self._by_someone_else(deletion, a["supervisor"], in_target=False):
            deletion = None  # apply_deletions reports it
        if deletion is not None and deletion["kind"] == "activity":
            if not _newer(a["updated_at"], deletion["deleted_at"]):
                self.result.activities_stay_deleted += 1
                return None
            if self.future(a["updated_at"]):
                self._deletion_stays("activity", a["uuid"], a["title"], source, a["updated_at"])
                return None
            self._edited_after_deletion(a["uuid"], "activity", a["title"], source)
        evidence = []
        for e in a["evidence"]:
            deletion = self.deletions.get(e["uuid"])
            if deletion is not None and self._by_someone_else(deletion, a["supervisor"], in_target=False):
                deletion = None
            if deletion is not None and deletion["kind"] == "evidence":
                if not _newer(a["updated_at"], deletion["deleted_at"]):
                    continue
                label = e["caption"] or e["original_name"] or e["url"] or ""
                if self.future(a["updated_at"]):
                    self._deletion_stays("evidence", e["uuid"], label, source, a["updated_at"])
                    continue
                self._edited_after_deletion(e["uuid"], "evidence", label, source)
            evidence.append(e)
        return a if len(evidence) == len(a["evidence"]) else {**a, "evidence": evidence}

    def activity(self, a: dict, source: str, names: dict[str, str]) -> None:
        count = self._count(a["supervisor"], names)
        kept = self._not_deleted(a, source)
        if kept is None:
            return
        a = kept
        existing = self._existing(a["uuid"])
        if existing is None:
            self._write(a)
            self.result.activities_added += 1
            count.added += 1
            stamps = {"updated_at": a["updated_at"], "created_at": a["created_at"]}
            stamps.update((f"evidence {e['uuid']} created_at", e["created_at"]) for e in a["evidence"])
            self._added_in_the_future("activity", a["uuid"], a["title"], source, stamps)
            return
        row, current = existing
        incoming = self._comparable(a)
        differ = [k for k in incoming if incoming[k] != current[k]]
        if not differ:
            self.result.activities_unchanged += 1
            count.unchanged += 1
            return
        newer = self._disagree("activity", a["uuid"], a["title"], source, differ, a["updated_at"], row)
        if not newer:
            count.kept_target += 1
            return
        self._write(a, row["id"])
        self.result.activities_updated += 1
        count.updated += 1
        stamps = {f"evidence {e['uuid']} created_at": e["created_at"] for e in a["evidence"]}
        self._added_in_the_future("activity", a["uuid"], a["title"], source, stamps)

    def _write(self, a: dict, activity_id: int | None = None) -> None:
        """The source's copy of an entry, whole (new, or over the target's older copy).
        Evidence never changes its entry here: check_conflicts refused any that would."""
        row = ActivityRow(
            uuid=a["uuid"],
            supervisor_id=self.supervisor_ids.get(a["supervisor"]) if a["supervisor"] else None,
            **{k: a[k] for k in ACTIVITY_FIELDS},
            created_at=self._stamp(a["created_at"]),
            updated_at=self._stamp(a["updated_at"]),
        )
        evidence = [
            EvidenceRow(e["uuid"], **{k: e[k] for k in EVIDENCE_FIELDS}, created_at=self._stamp(e["created_at"]))
            for e in a["evidence"]
        ]
        written = write_activity(
            self.conn, row, activity_id=activity_id, standards=a["standards"], schools=a["schools"], evidence=evidence
        )
        self.result.evidence_added += len(written.evidence_ids)
        self.result.unused_files.update(written.unused_files)

    # follow-ups ----------------------------------------------------------------------------
    def follow_up(self, f: dict, source: str) -> None:
        """By UUID, after the entries: one whose visit is not in the target (deleted, or never
        brought back) is left out with it; a disagreement keeps the later ``updated_at``."""
        visit = self.conn.execute("SELECT id FROM activities WHERE uuid = ?", (f["activity"],)).fetchone()
        if visit is None:
            return
        row = self.conn.execute("SELECT * FROM follow_ups WHERE uuid = ?", (f["uuid"],)).fetchone()
        values = (f["school"], *(f[k] for k in FOLLOW_UP_FIELDS[1:]))
        if row is None:
            self.conn.execute(
                "INSERT INTO follow_ups (uuid, activity_id, school_code, text, given_on, check_by, status, result, closed_on,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f["uuid"], visit[0], *values, self._stamp(f["created_at"]), self._stamp(f["updated_at"])),
            )
            self.result.follow_ups_added += 1
            stamps = {"updated_at": f["updated_at"], "created_at": f["created_at"]}
            self._added_in_the_future("follow_up", f["uuid"], f["text"], source, stamps)
            return
        current = (row["school_code"], *(row[k] for k in FOLLOW_UP_FIELDS[1:]))
        differ = [k for k, old, new in zip(FOLLOW_UP_FIELDS, current, values) if old != new]
        if not differ:
            return
        newer = self._disagree("follow_up", f["uuid"], f["text"], source, differ, f["updated_at"], row)
        if newer:
            self.conn.execute(
                "UPDATE follow_ups SET school_code = ?, text = ?, given_on = ?, check_by = ?, status = ?, result = ?,"
                " closed_on = ?, updated_at = ? WHERE id = ?",
                (*values, f["updated_at"], row["id"]),
            )
            self.result.follow_ups_updated += 1

    # deletions -----------------------------------------------------------------------------
    def apply_deletions(self) -> None:
        """Each deletion a source brought: remove the target's copy when the deletion is at least
        as new (a tie: the deletion was the later act where it happened), keep a copy edited later
        (reported), and record the deletion so that it travels on."""
        from nitet_cli.deletions import save

        for uuid, d in list(self.deletions.items()):
            if d["source"] is None:
                continue  # the target's own record: nothing new
            remove = self._remove_activity if d["kind"] == "activity" else self._remove_evidence
            if not remove(uuid, d):
                continue
            save(self.conn, uuid, d["kind"], d["deleted_at"], d["deleted_by"], d["activity"])
            self.result.deletions_recorded += 1
        seen = set(self.deletions)  # a believable deletion of the same UUID has decided already
        for d in self.late:  # dated in the future: they remove nothing (a copy is reported) and are not kept
            if d["uuid"] in seen:
                continue
            seen.add(d["uuid"])
            remove = self._remove_activity if d["kind"] == "activity" else self._remove_evidence
            remove(d["uuid"], d)

    def _deletion_loses(
        self, d: dict, kind: str, uuid: str, label: str, supervisor_uuid: str | None, edited: str
    ) -> bool:
        """A source's deletion that leaves the target's copy (``edited``: its last edit), reported:
        one of the owner's own entries deleted by someone else, or a copy edited after the deletion
        (a stamp ahead of this computer's clock is not an edit after it: reported, and False)."""
        future = None
        if self._by_someone_else(d, supervisor_uuid, in_target=True):
            kept = "owner"
        elif self.future(d["deleted_at"]):
            kept, future = "target", d["deleted_at"]
        elif _newer(edited, d["deleted_at"]) and self.future(edited):
            # The target's copy stamped by a wrong clock: as a source's copy so stamped never brings a
            # deleted entry back, this one never stops a deletion. Reported; the deletion applies.
            self.result.conflicts.append(
                Conflict(
                    kind,
                    uuid,
                    label,
                    d["source"],
                    ["deleted"],
                    "deleted",
                    deleted_in=d["source"],
                    future=edited,
                    future_in=self.TARGET,
                )
            )
            return False
        elif _newer(edited, d["deleted_at"]):
            kept = "target"
        else:
            return False
        self.result.conflicts.append(
            Conflict(kind, uuid, label, d["source"], ["deleted"], kept, deleted_in=d["source"], future=future)
        )
        return True

    def _remove_activity(self, uuid: str, d: dict) -> bool:
        """Remove the target's copy of a deleted entry, if it has one and the deletion wins;
        False when the deletion lost (nothing to record)."""
        row = self.conn.execute(
            "SELECT a.id, a.title, a.updated_at, s.uuid AS supervisor_uuid, s.name FROM activities a"
            " LEFT JOIN supervisors s ON s.id = a.supervisor_id WHERE a.uuid = ?",
            (uuid,),
        ).fetchone()
        if row is None:
            return True
        if self._deletion_loses(d, "activity", uuid, row["title"], row["supervisor_uuid"], row["updated_at"]):
            return False
        self.result.unused_files.update(delete_activity_rows(self.conn, row["id"]))
        self.result.activities_deleted += 1
        self._count(row["supervisor_uuid"], {row["supervisor_uuid"] or "": row["name"] or "(ไม่ระบุ)"}).deleted += 1
        return True

    def _remove_evidence(self, uuid: str, d: dict) -> bool:
        """Remove the target's copy of a deleted piece of evidence, as ``_remove_activity``."""
        row = self.conn.execute(
            "SELECT e.id, e.sha256, e.caption, e.original_name, e.url, a.updated_at, s.uuid AS supervisor_uuid"
            " FROM evidence e JOIN activities a ON a.id = e.activity_id LEFT JOIN supervisors s ON s.id = a.supervisor_id"
            " WHERE e.uuid = ?",
            (uuid,),
        ).fetchone()
        if row is None:
            return True
        label = row["caption"] or row["original_name"] or row["url"] or ""
        if self._deletion_loses(d, "evidence", uuid, label, row["supervisor_uuid"], row["updated_at"]):
            return False
        if row["sha256"]:
            self.result.unused_files.add(row["sha256"])
        self.conn.execute("DELETE FROM evidence WHERE id = ?", (row["id"],))
        self.result.evidence_deleted += 1
        return True


def _known_deletions(
    conn: sqlite3.Connection, sources: list[Source], horizon: datetime
) -> tuple[dict[str, dict], list[dict]]:
    """uuid -> the latest deletion of it known to the target or a source (``source``: its label, None for the target);
    and the sources' deletions dated after ``horizon`` (a wrong clock), which decide nothing."""
    deletions = {
        r["uuid"]: {**dict(r), "source": None}
        for r in conn.execute(f"SELECT {', '.join(DELETION_FIELDS)} FROM deletions")
    }
    late: list[dict] = []
    for source in sources:
        for d in source.data.get("deletions", []):
            if instant(d["deleted_at"]) > horizon:
                late.append({**d, "source": source.label})
                continue
            known = deletions.get(d["uuid"])
            if known is None or _newer(d["deleted_at"], known["deleted_at"]):
                deletions[d["uuid"]] = {**d, "source": source.label}
    return deletions, late


def apply_sources(
    conn: sqlite3.Connection,
    sources: list[Source],
    result: ApplyResult | None = None,
    on_progress: Progress | None = None,
) -> ApplyResult:
    """Write every source into ``conn``; call inside ONE transaction, after check_references,
    check_conflicts and store_files; then, once committed, ``remove_unused_files``."""
    result = result or ApplyResult()
    now = now_iso()
    deletions, late = _known_deletions(conn, sources, instant(now) + FUTURE_TOLERANCE)
    applier = _Applier(conn, result, deletions, late, now)
    total = sum(len(s.data["activities"]) for s in sources)
    done = 0
    for source in sources:
        result.sources.append(source.label)
        names = {s["uuid"]: s["name"] for s in source.data["supervisors"]}
        for s in source.data["supervisors"]:
            applier.supervisor(s, source.label)
        for s in source.data["schools"]:
            applier.school(s, source.label)
        for t in source.data.get("terms", []):
            applier.term(t, source.label)
        for a in source.data["activities"]:
            applier.activity(a, source.label, names)
            done += 1
            if on_progress and (done % 50 == 0 or done == total):
                on_progress("รวมกิจกรรม", done, total)
        for f in source.data.get("follow_ups", []):
            applier.follow_up(f, source.label)
    applier.apply_deletions()
    for key, count in result.per_supervisor.items():
        row = conn.execute(
            "SELECT s.name, count(a.id) AS total FROM supervisors s LEFT JOIN activities a ON a.supervisor_id = s.id"
            " WHERE s.uuid = ? GROUP BY s.id",
            (key,),
        ).fetchone()
        if row is not None:
            count.name, count.total = row["name"], row["total"]
    return result


def write_sources(
    conn: sqlite3.Connection,
    db_path: Path,
    sources: list[Source],
    *,
    extra_standards: Iterable[str] = (),
    first: Callable[[ApplyResult], None] | None = None,
    on_progress: Progress | None = None,
) -> ApplyResult:
    """Bring ``sources`` into the database ``conn`` (at ``db_path``); all or nothing.

    Checked first, before anything is written (``check_references``: with ``extra_standards``,
    the standards of a manual ``first`` will copy; ``check_conflicts``; ``plan_files``); the
    evidence files then copied into the store under temporary names; then one transaction:
    ``first(result)`` (taking the owner, copying a manual), the files placed, every source
    applied. Afterwards, once the caller is done with the target: ``remove_unused_files``."""
    from nitet_cli.db import transaction
    from nitet_cli.deletions import wrong_clock
    from nitet_cli.evidence_store import Staging

    clock_problem = wrong_clock()  # who wins is judged by this clock: a reset one would misjudge every entry
    if clock_problem is not None:
        raise InputError(clock_problem)
    with damaged_database_says_so(db_path):
        check_references(conn, sources, extra_standards)
        check_conflicts(conn, sources)
        files = plan_files(conn, db_path, sources, on_progress)
    result = ApplyResult()
    with Staging(conn, db_path) as staging:
        result.files_copied = store_files(staging, files, on_progress, file_names(sources))
        with written_or_undone(conn, db_path), transaction(conn):
            if first is not None:
                first(result)
            place_files(staging, sources)
            apply_sources(conn, sources, result, on_progress)
    return result


def remove_unused_files(conn: sqlite3.Connection, db_path: Path, result: ApplyResult) -> None:
    """After the commit: the stored files of removed evidence that no entry uses any more
    (checked again and removed under the write lock)."""
    from nitet_cli.evidence_store import remove_unused

    try:
        result.files_removed += len(remove_unused(conn, db_path, result.unused_files))
    except (OSError, sqlite3.Error):
        pass  # a file left behind is harmless: 'nitet doctor' names it, 'doctor --fix' removes it


@contextlib.contextmanager
def damaged_database_says_so(db_path: Path) -> Iterator[None]:
    """Reading the target before writing: a SQLite error there is a damaged file, said in one sentence."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"อ่านฐานข้อมูล {db_path} ไม่ได้ ({exc}) — ไม่ได้เขียนอะไรลงไป; ตรวจด้วย 'nitet doctor' และกู้คืนจากไฟล์สำรองของ 'nitet backup'"
        ) from exc
