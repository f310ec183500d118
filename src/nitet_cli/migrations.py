"""The schema, as numbered migrations recorded in the database (after simonw/llm).

Each migration runs once, in its own transaction, and is recorded by name in
``_nitet_migrations``. Never edit a released migration: add a new one. The tests keep
a fixture database of every past schema version and upgrade each to the current one.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from nitet_cli.clock import now_iso
from nitet_cli.errors import DatabaseError

MIGRATIONS_TABLE = "_nitet_migrations"
Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


@migration
def m001_initial(conn: sqlite3.Connection) -> None:
    conn.executescript(
        """
        -- Whose work this is. The owner of the database has is_self = 1; a merged
        -- database (a group head's) holds several supervisors.
        CREATE TABLE supervisors (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            position TEXT NOT NULL DEFAULT '',
            academic_standing TEXT NOT NULL DEFAULT '',
            work_unit TEXT NOT NULL DEFAULT '',
            work_group TEXT NOT NULL DEFAULT '',
            office TEXT NOT NULL DEFAULT '',
            agency TEXT NOT NULL DEFAULT '',
            ministry TEXT NOT NULL DEFAULT '',
            is_self INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX supervisors_one_self ON supervisors(is_self) WHERE is_self = 1;

        -- Facts about the loaded manual: title, source file, its hash, when loaded.
        CREATE TABLE manual_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );

        -- งานในหน้าที่ / เรื่องที่ ๑–๙
        CREATE TABLE duties (
            number INTEGER PRIMARY KEY CHECK (number > 0),
            title TEXT NOT NULL,
            position INTEGER NOT NULL,
            retired_at TEXT
        );

        -- One row of a duty's table: กิจกรรม/วิธีปฏิบัติ and มาตรฐานการปฏิบัติงาน.
        -- A row that disappears from the YAML is retired, never deleted.
        CREATE TABLE standards (
            id TEXT PRIMARY KEY,                 -- "<duty>.<step>", e.g. "7.3"
            duty_number INTEGER NOT NULL REFERENCES duties(number),
            step INTEGER NOT NULL CHECK (step > 0),
            activity TEXT NOT NULL,
            standard TEXT NOT NULL,
            target TEXT,                         -- JSON, e.g. {"kind": "school_visits", ...}
            position INTEGER NOT NULL,
            retired_at TEXT,
            UNIQUE (duty_number, step)
        );

        -- OBEC school codes are text: leading zeros matter.
        CREATE TABLE schools (
            code TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            school_group TEXT NOT NULL DEFAULT '',
            district TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX schools_group ON schools(school_group);

        -- Term dates announced by the office; years are Buddhist Era. Terms not
        -- listed here use the defaults in terms.py.
        CREATE TABLE terms (
            year INTEGER NOT NULL,
            term INTEGER NOT NULL CHECK (term IN (1, 2)),
            start_date TEXT NOT NULL,
            end_date TEXT NOT NULL,
            PRIMARY KEY (year, term),
            CHECK (start_date <= end_date)
        );

        -- A visit, meeting, training, report written, … The UUID makes merging safe.
        CREATE TABLE activities (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            supervisor_id INTEGER REFERENCES supervisors(id),
            date TEXT NOT NULL,                  -- ISO 8601, Gregorian
            kind TEXT NOT NULL DEFAULT 'visit',
            mode TEXT NOT NULL DEFAULT 'onsite',
            title TEXT NOT NULL CHECK (length(trim(title)) > 0),
            findings TEXT NOT NULL DEFAULT '',
            suggestions TEXT NOT NULL DEFAULT '',
            participants TEXT NOT NULL DEFAULT '',
            teachers INTEGER CHECK (teachers IS NULL OR teachers >= 0),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX activities_date ON activities(date);
        CREATE INDEX activities_supervisor_date ON activities(supervisor_id, date);

        CREATE TABLE activity_standards (
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            standard_id TEXT NOT NULL REFERENCES standards(id),
            PRIMARY KEY (activity_id, standard_id)
        ) WITHOUT ROWID;
        CREATE INDEX activity_standards_standard ON activity_standards(standard_id, activity_id);

        CREATE TABLE activity_schools (
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            school_code TEXT NOT NULL REFERENCES schools(code) ON UPDATE CASCADE,
            PRIMARY KEY (activity_id, school_code)
        ) WITHOUT ROWID;
        CREATE INDEX activity_schools_school ON activity_schools(school_code, activity_id);

        -- ร่องรอย/หลักฐาน: a file in the content-addressed store (sha256) or a link (url).
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ('file', 'link')),
            sha256 TEXT,
            original_name TEXT,
            media_type TEXT,
            size INTEGER,
            url TEXT,
            caption TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            CHECK ((kind = 'file' AND sha256 IS NOT NULL) OR (kind = 'link' AND url IS NOT NULL))
        );
        CREATE INDEX evidence_activity ON evidence(activity_id);
        CREATE INDEX evidence_sha256 ON evidence(sha256);
        """
    )


@migration
def m002_progress_indexes(conn: sqlite3.Connection) -> None:
    """An index for term figures (``nitet status``, ``nitet report``), issue 4.

    ``activities(id, date)`` lets progress.py walk a term's activities in id order from
    a small index, so that the joins into activity_standards and activity_schools
    (whose keys start with activity_id) read their pages in order instead of at random:
    about a third less time on a national database. Indexes only: no row changes.
    """
    conn.executescript(
        """
        CREATE INDEX IF NOT EXISTS activities_id_date ON activities(id, date);
        """
    )


@migration
def m003_views(conn: sqlite3.Connection) -> None:
    """Readable views for browsing the database (``datasette nitet.db`` or any SQLite browser).

    Views hold no data, so adding or replacing them never touches a row. A date's term is
    the announced term that contains it, else the default (term 1: 16 May – 31 Oct, term 2:
    1 Nov – 15 May, as in terms.py); a day that an announced term leaves out is a break
    (no term).
    """
    conn.executescript(
        """
        -- The academic year (BE) and term of every activity.
        CREATE VIEW activity_terms AS
        SELECT d.activity_id, d.date,
            CASE WHEN t.year IS NOT NULL THEN t.year
                 WHEN EXISTS (SELECT 1 FROM terms o WHERE o.year = d.default_year AND o.term = d.default_term) THEN NULL
                 ELSE d.default_year END AS academic_year,
            CASE WHEN t.year IS NOT NULL THEN t.term
                 WHEN EXISTS (SELECT 1 FROM terms o WHERE o.year = d.default_year AND o.term = d.default_term) THEN NULL
                 ELSE d.default_term END AS term
        FROM (
            SELECT id AS activity_id, date,
                CAST(substr(date, 1, 4) AS INTEGER) + CASE WHEN substr(date, 6, 5) < '05-16' THEN 542 ELSE 543 END AS default_year,
                CASE WHEN substr(date, 6, 5) < '05-16' THEN 2 WHEN substr(date, 6, 5) <= '10-31' THEN 1 ELSE 2 END AS default_term
            FROM activities
        ) d
        LEFT JOIN terms t ON d.date BETWEEN t.start_date AND t.end_date;

        -- One line per activity: dates in CE and BE, whose it is, its standards and schools.
        CREATE VIEW activities_readable AS
        SELECT a.id, a.date,
            CAST(strftime('%d', a.date) AS INTEGER) || ' ' ||
            CASE CAST(strftime('%m', a.date) AS INTEGER)
                WHEN 1 THEN 'ม.ค.' WHEN 2 THEN 'ก.พ.' WHEN 3 THEN 'มี.ค.' WHEN 4 THEN 'เม.ย.'
                WHEN 5 THEN 'พ.ค.' WHEN 6 THEN 'มิ.ย.' WHEN 7 THEN 'ก.ค.' WHEN 8 THEN 'ส.ค.'
                WHEN 9 THEN 'ก.ย.' WHEN 10 THEN 'ต.ค.' WHEN 11 THEN 'พ.ย.' WHEN 12 THEN 'ธ.ค.' END
            || ' ' || (CAST(strftime('%Y', a.date) AS INTEGER) + 543) AS date_be,
            t.academic_year, t.term,
            s.name AS supervisor, a.kind, a.mode, a.title,
            (SELECT group_concat(standard_id, ', ') FROM
                (SELECT standard_id FROM activity_standards WHERE activity_id = a.id ORDER BY standard_id)) AS standards,
            (SELECT group_concat(name, ', ') FROM
                (SELECT sc.name FROM activity_schools x JOIN schools sc ON sc.code = x.school_code
                 WHERE x.activity_id = a.id ORDER BY sc.name)) AS schools,
            (SELECT count(*) FROM evidence e WHERE e.activity_id = a.id) AS evidence,
            a.findings, a.suggestions, a.participants, a.teachers, a.uuid, a.updated_at
        FROM activities a
        LEFT JOIN supervisors s ON s.id = a.supervisor_id
        LEFT JOIN activity_terms t ON t.activity_id = a.id;

        -- Every school in every term that has any activity: how often it was reached, and by whom.
        CREATE VIEW visits_per_school_term AS
        SELECT p.academic_year, p.term, sc.code AS school_code, sc.name AS school, sc.school_group, sc.district,
            coalesce(sum(v.kind = 'visit'), 0) AS visits,
            count(v.activity_id) AS activities,
            max(v.date) AS last_date,
            group_concat(DISTINCT sp.name) AS supervisors
        FROM (SELECT DISTINCT academic_year, term FROM activity_terms WHERE academic_year IS NOT NULL) p
        CROSS JOIN schools sc
        LEFT JOIN (
            SELECT t.academic_year, t.term, x.school_code, a.id AS activity_id, a.kind, a.date, a.supervisor_id
            FROM activity_schools x
            JOIN activities a ON a.id = x.activity_id
            JOIN activity_terms t ON t.activity_id = a.id
        ) v ON v.academic_year = p.academic_year AND v.term = p.term AND v.school_code = sc.code
        LEFT JOIN supervisors sp ON sp.id = v.supervisor_id
        GROUP BY p.academic_year, p.term, sc.code;

        -- Evidence with the activity it belongs to; stored_as is the path inside <db>-evidence/.
        CREATE VIEW evidence_readable AS
        SELECT e.id, a.date, s.name AS supervisor, a.title AS activity, e.kind, e.caption,
            e.original_name, e.media_type, e.size, e.url,
            CASE WHEN e.kind = 'file' THEN substr(e.sha256, 1, 2) || '/' || e.sha256 END AS stored_as,
            e.uuid, e.created_at
        FROM evidence e
        JOIN activities a ON a.id = e.activity_id
        LEFT JOIN supervisors s ON s.id = a.supervisor_id;

        -- The manual with how much work each standard has.
        CREATE VIEW standards_readable AS
        SELECT st.id, st.duty_number, d.title AS duty, st.activity, st.standard, st.target,
            st.retired_at IS NOT NULL AS retired,
            (SELECT count(*) FROM activity_standards x WHERE x.standard_id = st.id) AS activities,
            (SELECT max(a.date) FROM activity_standards x JOIN activities a ON a.id = x.activity_id
             WHERE x.standard_id = st.id) AS last_date
        FROM standards st
        JOIN duties d ON d.number = st.duty_number;
        """
    )


# --- m004: term figures kept up to date by triggers ------------------------------------------

# The sorted set of an activity's standards ("7.3 7.4"), NULL when it has none.
_SET_OF = (
    "(SELECT group_concat(standard_id, ' ') FROM (SELECT standard_id FROM activity_standards"
    " WHERE activity_id = {id}{extra} ORDER BY standard_id))"
)
_EVIDENCE_OF = "(SELECT count(*) FROM evidence WHERE activity_id = {id})"
_ADD_SET = """
    INSERT INTO progress_sets (date, standards, activities, evidence)
    SELECT {date}, s.standards, {sign}1, {sign}{evidence}
    FROM (SELECT {set} AS standards) s
    WHERE s.standards IS NOT NULL AND {date} IS NOT NULL
    ON CONFLICT (date, standards) DO UPDATE
    SET activities = activities + excluded.activities, evidence = evidence + excluded.evidence;
"""
# One visit per standard of the activity ('' when it has none) and school.
_ADD_VISITS = """
    INSERT INTO progress_visits (standard, school, date, visits)
    SELECT coalesce(x.standard_id, ''), {school}, a.date, {sign}1
    FROM activities a {schools} LEFT JOIN activity_standards x ON x.activity_id = a.id
    WHERE a.id = {id}
    ON CONFLICT (standard, school, date) DO UPDATE SET visits = visits + excluded.visits;
"""
_TIDY_SETS = "DELETE FROM progress_sets WHERE date = {date} AND activities = 0;"


def _tidy_visits(date: str, standards: str, schools: str) -> str:
    """Drop the rows that reached zero (found through the key: standard, school, date)."""
    return (
        f"DELETE FROM progress_visits WHERE standard IN ({standards}) AND school IN ({schools})"
        f" AND date = {date} AND visits = 0;"
    )


def _stds_of(activity: str) -> str:
    return f"SELECT standard_id FROM activity_standards WHERE activity_id = {activity} UNION ALL SELECT ''"


def _schools_of(activity: str) -> str:
    return f"SELECT school_code FROM activity_schools WHERE activity_id = {activity}"


def _move_visits(activity: str, date: str, sign: str) -> str:
    return f"""
            INSERT INTO progress_visits (standard, school, date, visits)
            SELECT coalesce(x.standard_id, ''), y.school_code, {date}, {sign}1
            FROM activity_schools y LEFT JOIN activity_standards x ON x.activity_id = y.activity_id
            WHERE y.activity_id = {activity} AND true
            ON CONFLICT (standard, school, date) DO UPDATE SET visits = visits + excluded.visits;"""


def _date_of(activity: str) -> str:
    return f"(SELECT date FROM activities WHERE id = {activity})"


def _add_set(activity: str, sign: str, *, date: str | None = None, extra: str = "") -> str:
    return _ADD_SET.format(
        date=date or _date_of(activity),
        sign=sign,
        set=_SET_OF.format(id=activity, extra=extra),
        evidence=_EVIDENCE_OF.format(id=activity),
    )


def _add_visits(activity: str, sign: str, *, school: str | None = None) -> str:
    if school is None:
        return _ADD_VISITS.format(
            school="y.school_code",
            schools="JOIN activity_schools y ON y.activity_id = a.id",
            sign=sign,
            id=activity,
        )
    return _ADD_VISITS.format(school=school, schools="", sign=sign, id=activity)


def _progress_triggers() -> str:
    """The triggers that keep progress_sets and progress_visits equal to a recount.

    Each trigger adds or takes away one activity's part after a change of the rows it is
    made of. A child row (a standard, a school, a piece of evidence) of an activity that
    no longer exists changes nothing: deleting an activity takes its whole part away
    first (BEFORE DELETE), and the rows its foreign keys then delete find no activity.
    """
    a_new, a_old = "NEW.activity_id", "OLD.activity_id"
    schools_new = f"SELECT school_code FROM activity_schools WHERE activity_id = {a_new}"
    schools_old = f"SELECT school_code FROM activity_schools WHERE activity_id = {a_old}"
    return f"""
        CREATE TRIGGER progress_standard_added AFTER INSERT ON activity_standards BEGIN
            {_add_set(a_new, "-", extra=" AND standard_id <> NEW.standard_id")}
            {_add_set(a_new, "+")}
            INSERT INTO progress_visits (standard, school, date, visits)
            SELECT NEW.standard_id, y.school_code, a.date, 1
            FROM activities a JOIN activity_schools y ON y.activity_id = a.id
            WHERE a.id = NEW.activity_id
            ON CONFLICT (standard, school, date) DO UPDATE SET visits = visits + 1;
            INSERT INTO progress_visits (standard, school, date, visits)
            SELECT '', y.school_code, a.date, -1
            FROM activities a JOIN activity_schools y ON y.activity_id = a.id
            WHERE a.id = NEW.activity_id
              AND NOT EXISTS (SELECT 1 FROM activity_standards WHERE activity_id = a.id AND standard_id <> NEW.standard_id)
            ON CONFLICT (standard, school, date) DO UPDATE SET visits = visits - 1;
            {_TIDY_SETS.format(date=_date_of(a_new))}
            {_tidy_visits(_date_of(a_new), "NEW.standard_id, ''", schools_new)}
        END;

        CREATE TRIGGER progress_standard_removed AFTER DELETE ON activity_standards BEGIN
            INSERT INTO progress_sets (date, standards, activities, evidence)
            SELECT a.date, s.standards, -1, -{_EVIDENCE_OF.format(id=a_old)}
            FROM activities a, (SELECT group_concat(standard_id, ' ') AS standards FROM (
                SELECT standard_id FROM activity_standards WHERE activity_id = OLD.activity_id
                UNION SELECT OLD.standard_id ORDER BY 1)) s
            WHERE a.id = OLD.activity_id
            ON CONFLICT (date, standards) DO UPDATE
            SET activities = activities + excluded.activities, evidence = evidence + excluded.evidence;
            {_add_set(a_old, "+")}
            INSERT INTO progress_visits (standard, school, date, visits)
            SELECT OLD.standard_id, y.school_code, a.date, -1
            FROM activities a JOIN activity_schools y ON y.activity_id = a.id
            WHERE a.id = OLD.activity_id
            ON CONFLICT (standard, school, date) DO UPDATE SET visits = visits - 1;
            INSERT INTO progress_visits (standard, school, date, visits)
            SELECT '', y.school_code, a.date, 1
            FROM activities a JOIN activity_schools y ON y.activity_id = a.id
            WHERE a.id = OLD.activity_id
              AND NOT EXISTS (SELECT 1 FROM activity_standards WHERE activity_id = a.id)
            ON CONFLICT (standard, school, date) DO UPDATE SET visits = visits + 1;
            {_TIDY_SETS.format(date=_date_of(a_old))}
            {_tidy_visits(_date_of(a_old), "OLD.standard_id, ''", schools_old)}
        END;

        CREATE TRIGGER progress_standard_changed AFTER UPDATE ON activity_standards
        WHEN OLD.activity_id IS NOT NEW.activity_id OR OLD.standard_id IS NOT NEW.standard_id BEGIN
            SELECT RAISE(ABORT, 'activity_standards rows are deleted and inserted, never updated');
        END;

        CREATE TRIGGER progress_school_added AFTER INSERT ON activity_schools BEGIN
            {_add_visits(a_new, "+", school="NEW.school_code")}
        END;

        CREATE TRIGGER progress_school_removed AFTER DELETE ON activity_schools BEGIN
            {_add_visits(a_old, "-", school="OLD.school_code")}
            {_tidy_visits(_date_of(a_old), _stds_of(a_old), "OLD.school_code")}
        END;

        CREATE TRIGGER progress_school_changed AFTER UPDATE ON activity_schools
        WHEN OLD.activity_id IS NOT NEW.activity_id OR OLD.school_code IS NOT NEW.school_code BEGIN
            {_add_visits(a_old, "-", school="OLD.school_code")}
            {_tidy_visits(_date_of(a_old), _stds_of(a_old), "OLD.school_code")}
            {_add_visits(a_new, "+", school="NEW.school_code")}
        END;

        CREATE TRIGGER progress_evidence_added AFTER INSERT ON evidence BEGIN
            UPDATE progress_sets SET evidence = evidence + 1
            WHERE date = {_date_of(a_new)} AND standards = {_SET_OF.format(id=a_new, extra="")};
        END;

        CREATE TRIGGER progress_evidence_removed AFTER DELETE ON evidence BEGIN
            UPDATE progress_sets SET evidence = evidence - 1
            WHERE date = {_date_of(a_old)} AND standards = {_SET_OF.format(id=a_old, extra="")};
        END;

        CREATE TRIGGER progress_evidence_moved AFTER UPDATE OF activity_id ON evidence
        WHEN OLD.activity_id IS NOT NEW.activity_id BEGIN
            UPDATE progress_sets SET evidence = evidence - 1
            WHERE date = {_date_of(a_old)} AND standards = {_SET_OF.format(id=a_old, extra="")};
            UPDATE progress_sets SET evidence = evidence + 1
            WHERE date = {_date_of(a_new)} AND standards = {_SET_OF.format(id=a_new, extra="")};
        END;

        CREATE TRIGGER progress_activity_moved AFTER UPDATE OF date ON activities
        WHEN OLD.date IS NOT NEW.date BEGIN
            {_add_set("NEW.id", "-", date="OLD.date")}
            {_TIDY_SETS.format(date="OLD.date")}
            {_add_set("NEW.id", "+", date="NEW.date")}
            {_move_visits("NEW.id", "OLD.date", "-")}
            {_tidy_visits("OLD.date", _stds_of("NEW.id"), _schools_of("NEW.id"))}
            {_move_visits("NEW.id", "NEW.date", "+")}
        END;

        CREATE TRIGGER progress_activity_removed BEFORE DELETE ON activities BEGIN
            {_add_set("OLD.id", "-", date="OLD.date")}
            {_TIDY_SETS.format(date="OLD.date")}
            {_move_visits("OLD.id", "OLD.date", "-")}
            {_tidy_visits("OLD.date", _stds_of("OLD.id"), _schools_of("OLD.id"))}
        END;
    """


@migration
def m004_progress_summary(conn: sqlite3.Connection) -> None:
    """Term figures without reading a term's activities (``nitet status``, issue 5).

    Two summary tables, filled from the existing rows and kept equal to a recount by
    triggers that run inside the same transaction as every write (add, edit, delete,
    import, merge, or SQL typed by hand):

    - ``progress_sets``: per day and per set of standards of an activity ("7.3 7.4"),
      how many activities and how much evidence;
    - ``progress_visits``: per standard ('' for an activity without one), school and
      day, how many activity–school links (visits).

    A term's figures are then sums over its days, exact for any term dates.
    """
    conn.executescript(
        """
        CREATE TABLE progress_sets (
            date TEXT NOT NULL,
            standards TEXT NOT NULL,             -- "7.3 7.4": an activity's standards, sorted
            activities INTEGER NOT NULL,
            evidence INTEGER NOT NULL,
            PRIMARY KEY (date, standards)
        ) WITHOUT ROWID;

        CREATE TABLE progress_visits (
            standard TEXT NOT NULL,              -- '' for an activity without a standard
            school TEXT NOT NULL,
            date TEXT NOT NULL,
            visits INTEGER NOT NULL,
            PRIMARY KEY (standard, school, date)
        ) WITHOUT ROWID;

        INSERT INTO progress_sets (date, standards, activities, evidence)
        SELECT a.date, t.standards, count(*), sum((SELECT count(*) FROM evidence e WHERE e.activity_id = t.id))
        FROM (
            SELECT activity_id AS id, group_concat(standard_id, ' ') AS standards
            FROM (SELECT activity_id, standard_id FROM activity_standards ORDER BY activity_id, standard_id)
            GROUP BY activity_id
        ) t
        JOIN activities a ON a.id = t.id
        GROUP BY a.date, t.standards;

        INSERT INTO progress_visits (standard, school, date, visits)
        SELECT coalesce(x.standard_id, ''), y.school_code, a.date, count(*)
        FROM activity_schools y
        JOIN activities a ON a.id = y.activity_id
        LEFT JOIN activity_standards x ON x.activity_id = y.activity_id
        GROUP BY 1, 2, 3;
        """
        + _progress_triggers()
    )


@migration
def m005_search_index(conn: sqlite3.Connection) -> None:
    """A trigram index for ``nitet list --search`` (issue 5).

    Thai runs words together, so the index holds every three-character sequence
    (FTS5's ``trigram`` tokenizer) of an activity's title, findings and suggestions,
    with ASCII letters in lower case (SQLite's ``lower()``), as LIKE compares them.
    Contentless (``content=''``, ``detail=none``): it holds only which entries contain
    which sequences, not the text again, so it stays about a third of the text's size.
    A search finds its candidates through the index and keeps those that LIKE accepts
    (activities.py), so results are exactly those of LIKE. Triggers keep it in step
    with every insert, edit and delete, in the same transaction.
    """
    conn.executescript(
        """
        CREATE VIRTUAL TABLE activities_search USING fts5(
            title, findings, suggestions,
            content = '', detail = none, tokenize = 'trigram case_sensitive 1'
        );

        INSERT INTO activities_search (rowid, title, findings, suggestions)
        SELECT id, lower(title), lower(findings), lower(suggestions) FROM activities;

        CREATE TRIGGER activities_search_added AFTER INSERT ON activities BEGIN
            INSERT INTO activities_search (rowid, title, findings, suggestions)
            VALUES (NEW.id, lower(NEW.title), lower(NEW.findings), lower(NEW.suggestions));
        END;

        CREATE TRIGGER activities_search_removed AFTER DELETE ON activities BEGIN
            INSERT INTO activities_search (activities_search, rowid, title, findings, suggestions)
            VALUES ('delete', OLD.id, lower(OLD.title), lower(OLD.findings), lower(OLD.suggestions));
        END;

        CREATE TRIGGER activities_search_changed AFTER UPDATE OF id, title, findings, suggestions ON activities
        WHEN OLD.id IS NOT NEW.id OR OLD.title IS NOT NEW.title OR OLD.findings IS NOT NEW.findings
            OR OLD.suggestions IS NOT NEW.suggestions BEGIN
            INSERT INTO activities_search (activities_search, rowid, title, findings, suggestions)
            VALUES ('delete', OLD.id, lower(OLD.title), lower(OLD.findings), lower(OLD.suggestions));
            INSERT INTO activities_search (rowid, title, findings, suggestions)
            VALUES (NEW.id, lower(NEW.title), lower(NEW.findings), lower(NEW.suggestions));
        END;
        """
    )


# --- m006: visits per supervisor too ----------------------------------------------------------

_SUPERVISOR_OF_A = "coalesce(a.supervisor_id, 0)"
_VISITS_KEY = "ON CONFLICT (standard, school, date, supervisor) DO UPDATE SET visits = visits + excluded.visits;"


def _visits_of_activity(activity: str, *, date: str, supervisor: str, sign: str) -> str:
    """One visit per standard of the activity ('' when it has none) and school, at ``date``
    under ``supervisor`` (read from the trigger's OLD or NEW row)."""
    return f"""
            INSERT INTO progress_visits (standard, school, date, supervisor, visits)
            SELECT coalesce(x.standard_id, ''), y.school_code, {date}, coalesce({supervisor}, 0), {sign}1
            FROM activity_schools y LEFT JOIN activity_standards x ON x.activity_id = y.activity_id
            WHERE y.activity_id = {activity} AND true
            {_VISITS_KEY}"""


def _visits_of_school(activity: str, school: str, sign: str) -> str:
    """One visit per standard of the activity ('' when it has none) at one school; nothing
    when the activity no longer exists."""
    return f"""
            INSERT INTO progress_visits (standard, school, date, supervisor, visits)
            SELECT coalesce(x.standard_id, ''), {school}, a.date, {_SUPERVISOR_OF_A}, {sign}1
            FROM activities a LEFT JOIN activity_standards x ON x.activity_id = a.id
            WHERE a.id = {activity}
            {_VISITS_KEY}"""


def _visits_of_standard(activity: str, standard: str, sign: str) -> str:
    """One visit per school of the activity under ``standard``; nothing when the activity
    no longer exists."""
    return f"""
            INSERT INTO progress_visits (standard, school, date, supervisor, visits)
            SELECT {standard}, y.school_code, a.date, {_SUPERVISOR_OF_A}, {sign}1
            FROM activities a JOIN activity_schools y ON y.activity_id = a.id
            WHERE a.id = {activity}
            {_VISITS_KEY}"""


def _progress_triggers_v6() -> str:
    """m004's triggers with the supervisor in progress_visits (sets unchanged)."""
    a_new, a_old = "NEW.activity_id", "OLD.activity_id"
    no_other_new = (
        "NOT EXISTS (SELECT 1 FROM activity_standards WHERE activity_id = a.id AND standard_id <> NEW.standard_id)"
    )
    no_other_old = "NOT EXISTS (SELECT 1 FROM activity_standards WHERE activity_id = a.id)"
    return f"""
        CREATE TRIGGER progress_standard_added AFTER INSERT ON activity_standards BEGIN
            {_add_set(a_new, "-", extra=" AND standard_id <> NEW.standard_id")}
            {_add_set(a_new, "+")}
            {_visits_of_standard(a_new, "NEW.standard_id", "+")}
            INSERT INTO progress_visits (standard, school, date, supervisor, visits)
            SELECT '', y.school_code, a.date, {_SUPERVISOR_OF_A}, -1
            FROM activities a JOIN activity_schools y ON y.activity_id = a.id
            WHERE a.id = NEW.activity_id AND {no_other_new}
            {_VISITS_KEY}
            {_TIDY_SETS.format(date=_date_of(a_new))}
            {_tidy_visits(_date_of(a_new), "NEW.standard_id, ''", _schools_of(a_new))}
        END;

        CREATE TRIGGER progress_standard_removed AFTER DELETE ON activity_standards BEGIN
            INSERT INTO progress_sets (date, standards, activities, evidence)
            SELECT a.date, s.standards, -1, -{_EVIDENCE_OF.format(id=a_old)}
            FROM activities a, (SELECT group_concat(standard_id, ' ') AS standards FROM (
                SELECT standard_id FROM activity_standards WHERE activity_id = OLD.activity_id
                UNION SELECT OLD.standard_id ORDER BY 1)) s
            WHERE a.id = OLD.activity_id
            ON CONFLICT (date, standards) DO UPDATE
            SET activities = activities + excluded.activities, evidence = evidence + excluded.evidence;
            {_add_set(a_old, "+")}
            {_visits_of_standard(a_old, "OLD.standard_id", "-")}
            INSERT INTO progress_visits (standard, school, date, supervisor, visits)
            SELECT '', y.school_code, a.date, {_SUPERVISOR_OF_A}, 1
            FROM activities a JOIN activity_schools y ON y.activity_id = a.id
            WHERE a.id = OLD.activity_id AND {no_other_old}
            {_VISITS_KEY}
            {_TIDY_SETS.format(date=_date_of(a_old))}
            {_tidy_visits(_date_of(a_old), "OLD.standard_id, ''", _schools_of(a_old))}
        END;

        CREATE TRIGGER progress_school_added AFTER INSERT ON activity_schools BEGIN
            {_visits_of_school(a_new, "NEW.school_code", "+")}
        END;

        CREATE TRIGGER progress_school_removed AFTER DELETE ON activity_schools BEGIN
            {_visits_of_school(a_old, "OLD.school_code", "-")}
            {_tidy_visits(_date_of(a_old), _stds_of(a_old), "OLD.school_code")}
        END;

        CREATE TRIGGER progress_school_changed AFTER UPDATE ON activity_schools
        WHEN OLD.activity_id IS NOT NEW.activity_id OR OLD.school_code IS NOT NEW.school_code BEGIN
            {_visits_of_school(a_old, "OLD.school_code", "-")}
            {_tidy_visits(_date_of(a_old), _stds_of(a_old), "OLD.school_code")}
            {_visits_of_school(a_new, "NEW.school_code", "+")}
        END;

        CREATE TRIGGER progress_activity_moved AFTER UPDATE OF date, supervisor_id ON activities
        WHEN OLD.date IS NOT NEW.date OR OLD.supervisor_id IS NOT NEW.supervisor_id BEGIN
            {_add_set("NEW.id", "-", date="OLD.date")}
            {_TIDY_SETS.format(date="OLD.date")}
            {_add_set("NEW.id", "+", date="NEW.date")}
            {_visits_of_activity("NEW.id", date="OLD.date", supervisor="OLD.supervisor_id", sign="-")}
            {_tidy_visits("OLD.date", _stds_of("NEW.id"), _schools_of("NEW.id"))}
            {_visits_of_activity("NEW.id", date="NEW.date", supervisor="NEW.supervisor_id", sign="+")}
        END;

        CREATE TRIGGER progress_activity_removed BEFORE DELETE ON activities BEGIN
            {_add_set("OLD.id", "-", date="OLD.date")}
            {_TIDY_SETS.format(date="OLD.date")}
            {_visits_of_activity("OLD.id", date="OLD.date", supervisor="OLD.supervisor_id", sign="-")}
            {_tidy_visits("OLD.date", _stds_of("OLD.id"), _schools_of("OLD.id"))}
        END;
    """


@migration
def m006_progress_supervisors(conn: sqlite3.Connection) -> None:
    """Visits per supervisor as well (status and report on a merged database, issue 5).

    progress_visits of m004 gains a ``supervisor`` column (0 for an entry without one),
    so that per-supervisor figures of a group's database (schools reached, visits toward
    a target) are sums over a term's days like the group's, instead of a pass over the
    term's activities. The table is rebuilt from the rows (same counts, split by
    supervisor) and the triggers that write it are replaced; progress_sets and its
    evidence triggers stay as m004 made them.
    """
    conn.executescript(
        """
        DROP TRIGGER progress_standard_added;
        DROP TRIGGER progress_standard_removed;
        DROP TRIGGER progress_school_added;
        DROP TRIGGER progress_school_removed;
        DROP TRIGGER progress_school_changed;
        DROP TRIGGER progress_activity_moved;
        DROP TRIGGER progress_activity_removed;
        DROP TABLE progress_visits;

        CREATE TABLE progress_visits (
            standard TEXT NOT NULL,              -- '' for an activity without a standard
            school TEXT NOT NULL,
            date TEXT NOT NULL,
            supervisor INTEGER NOT NULL,         -- activities.supervisor_id, 0 when it has none
            visits INTEGER NOT NULL,
            PRIMARY KEY (standard, school, date, supervisor)
        ) WITHOUT ROWID;

        INSERT INTO progress_visits (standard, school, date, supervisor, visits)
        SELECT coalesce(x.standard_id, ''), y.school_code, a.date, coalesce(a.supervisor_id, 0), count(*)
        FROM activity_schools y
        JOIN activities a ON a.id = y.activity_id
        LEFT JOIN activity_standards x ON x.activity_id = y.activity_id
        GROUP BY 1, 2, 3, 4;
        """
        + _progress_triggers_v6()
    )


@migration
def m007_progress_visits_by_supervisor(conn: sqlite3.Connection) -> None:
    """An index for the per-supervisor figures of a group's database (issue 5).

    ``progress_visits(supervisor, school, date, visits)`` holds (with the table's key,
    which every index of a WITHOUT ROWID table carries) every column of progress_visits
    in the order a per-supervisor count wants: group_progress.supervisor_figures reads a
    term's rows grouped by supervisor and school straight from it, in one pass and
    without sorting (national database: that pass 0.57 s -> 0.38 s). An index only: no row changes.
    """
    conn.executescript(
        """
        CREATE INDEX IF NOT EXISTS progress_visits_supervisor ON progress_visits(supervisor, school, date, visits);
        """
    )


@migration
def m008_deletions(conn: sqlite3.Connection) -> None:
    """A record of every deleted entry and piece of evidence, so that deletions travel (issue 9).

    ``nitet delete`` and ``nitet evidence remove`` write one row here in the transaction that
    deletes; exports carry the rows (exchange format version 2), and import and merge apply a
    deletion that is at least as new as the target's copy (exchange.py). ``uuid`` is the deleted
    entry's or evidence's UUID; ``deleted_at`` when (now; the copy's last edit when that is
    later but within a day, deletions.FUTURE_TOLERANCE); ``deleted_by`` the UUID of the supervisor whose database it was deleted in (NULL
    when it had no owner); ``activity`` the UUID of a deleted piece of evidence's entry.
    """
    conn.executescript(
        """
        CREATE TABLE deletions (
            uuid TEXT PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('activity', 'evidence')),
            deleted_at TEXT NOT NULL,
            deleted_by TEXT,
            activity TEXT,
            CHECK (kind = 'activity' OR activity IS NOT NULL)
        ) WITHOUT ROWID;
        """
    )


# --- m009: every visit to a school, whatever its standards ---------------------------------

# The standards of an activity, and '' for every one of its visits (m009): each link of an
# activity to a school is one row per standard plus one '' row.
_EVERY_ROW = "SELECT standard_id FROM activity_standards WHERE activity_id = a.id UNION ALL SELECT ''"


def _visits_v9(activity: str, *, school: str, schools: str, date: str, supervisor: str, sign: str) -> str:
    """One visit per standard of the activity and one under '' at each of its schools (or at
    ``school``), at ``date`` under ``supervisor``; nothing when the activity no longer exists."""
    return f"""
            INSERT INTO progress_visits (standard, school, date, supervisor, visits)
            SELECT x.standard_id, {school}, {date}, coalesce({supervisor}, 0), {sign}1
            FROM activities a {schools} JOIN ({_EVERY_ROW.replace("a.id", activity)}) x
            WHERE a.id = {activity}
            {_VISITS_KEY}"""


def _progress_triggers_v9() -> str:
    """m006's triggers, with the '' rows of progress_visits counting every visit: adding or
    removing a standard changes only that standard's rows."""
    a_new, a_old = "NEW.activity_id", "OLD.activity_id"
    links = "JOIN activity_schools y ON y.activity_id = a.id"
    return f"""
        CREATE TRIGGER progress_standard_added AFTER INSERT ON activity_standards BEGIN
            {_add_set(a_new, "-", extra=" AND standard_id <> NEW.standard_id")}
            {_add_set(a_new, "+")}
            {_visits_of_standard(a_new, "NEW.standard_id", "+")}
            {_TIDY_SETS.format(date=_date_of(a_new))}
        END;

        CREATE TRIGGER progress_standard_removed AFTER DELETE ON activity_standards BEGIN
            INSERT INTO progress_sets (date, standards, activities, evidence)
            SELECT a.date, s.standards, -1, -{_EVIDENCE_OF.format(id=a_old)}
            FROM activities a, (SELECT group_concat(standard_id, ' ') AS standards FROM (
                SELECT standard_id FROM activity_standards WHERE activity_id = OLD.activity_id
                UNION SELECT OLD.standard_id ORDER BY 1)) s
            WHERE a.id = OLD.activity_id
            ON CONFLICT (date, standards) DO UPDATE
            SET activities = activities + excluded.activities, evidence = evidence + excluded.evidence;
            {_add_set(a_old, "+")}
            {_visits_of_standard(a_old, "OLD.standard_id", "-")}
            {_TIDY_SETS.format(date=_date_of(a_old))}
            {_tidy_visits(_date_of(a_old), "OLD.standard_id", _schools_of(a_old))}
        END;

        CREATE TRIGGER progress_school_added AFTER INSERT ON activity_schools BEGIN
            {_visits_v9(a_new, school="NEW.school_code", schools="", date="a.date", supervisor="a.supervisor_id", sign="+")}
        END;

        CREATE TRIGGER progress_school_removed AFTER DELETE ON activity_schools BEGIN
            {_visits_v9(a_old, school="OLD.school_code", schools="", date="a.date", supervisor="a.supervisor_id", sign="-")}
            {_tidy_visits(_date_of(a_old), _stds_of(a_old), "OLD.school_code")}
        END;

        CREATE TRIGGER progress_school_changed AFTER UPDATE ON activity_schools
        WHEN OLD.activity_id IS NOT NEW.activity_id OR OLD.school_code IS NOT NEW.school_code BEGIN
            {_visits_v9(a_old, school="OLD.school_code", schools="", date="a.date", supervisor="a.supervisor_id", sign="-")}
            {_tidy_visits(_date_of(a_old), _stds_of(a_old), "OLD.school_code")}
            {_visits_v9(a_new, school="NEW.school_code", schools="", date="a.date", supervisor="a.supervisor_id", sign="+")}
        END;

        CREATE TRIGGER progress_activity_moved AFTER UPDATE OF date, supervisor_id ON activities
        WHEN OLD.date IS NOT NEW.date OR OLD.supervisor_id IS NOT NEW.supervisor_id BEGIN
            {_add_set("NEW.id", "-", date="OLD.date")}
            {_TIDY_SETS.format(date="OLD.date")}
            {_add_set("NEW.id", "+", date="NEW.date")}
            {_visits_v9("NEW.id", school="y.school_code", schools=links, date="OLD.date", supervisor="OLD.supervisor_id", sign="-")}
            {_tidy_visits("OLD.date", _stds_of("NEW.id"), _schools_of("NEW.id"))}
            {_visits_v9("NEW.id", school="y.school_code", schools=links, date="NEW.date", supervisor="NEW.supervisor_id", sign="+")}
        END;

        CREATE TRIGGER progress_activity_removed BEFORE DELETE ON activities BEGIN
            {_add_set("OLD.id", "-", date="OLD.date")}
            {_TIDY_SETS.format(date="OLD.date")}
            {_visits_v9("OLD.id", school="y.school_code", schools=links, date="OLD.date", supervisor="OLD.supervisor_id", sign="-")}
            {_tidy_visits("OLD.date", _stds_of("OLD.id"), _schools_of("OLD.id"))}
        END;
    """


@migration
def m009_progress_every_visit(conn: sqlite3.Connection) -> None:
    """Every visit to a school in progress_visits, whatever its standards (issue 10).

    A target with ``counts: every_visit`` (6.3, the office-wide one) counts every visit to a
    school in the term, and a school's row under any target says how many visits it had in
    all. Both need the distinct visits per school: an entry linked to two standards is one
    visit, not two. The rows under standard '' held the visits of entries without a
    standard; from here they hold every visit (each activity–school link once), whatever
    its standards — an entry with none has only that row, as before. The '' rows are
    rebuilt from the links and the triggers that write progress_visits are replaced (a
    standard added to or removed from an entry no longer moves its '' rows).

    m007's index (supervisor, school, date, visits) is replaced by one led by the standard,
    (standard, supervisor, school, date, visits): the per-supervisor figures read the ''
    rows and each target standard's rows in the order they group them (supervisor, school),
    not the whole table — twice as big now — for every term.
    """
    conn.executescript(
        """
        DROP TRIGGER progress_standard_added;
        DROP TRIGGER progress_standard_removed;
        DROP TRIGGER progress_school_added;
        DROP TRIGGER progress_school_removed;
        DROP TRIGGER progress_school_changed;
        DROP TRIGGER progress_activity_moved;
        DROP TRIGGER progress_activity_removed;

        DROP INDEX IF EXISTS progress_visits_supervisor;
        DELETE FROM progress_visits WHERE standard = '';
        INSERT INTO progress_visits (standard, school, date, supervisor, visits)
        SELECT '', y.school_code, a.date, coalesce(a.supervisor_id, 0), count(*)
        FROM activity_schools y
        JOIN activities a ON a.id = y.activity_id
        GROUP BY y.school_code, a.date, coalesce(a.supervisor_id, 0);
        CREATE INDEX progress_visits_standard_supervisor ON progress_visits(standard, supervisor, school, date, visits);
        """
        + _progress_triggers_v9()
    )


@migration
def m010_follow_ups(conn: sqlite3.Connection) -> None:
    """Follow-ups (ข้อเสนอแนะที่ต้องติดตาม, issue 10): a suggestion given at a visit to a school,
    open until it is checked and closed with its result.

    One row per suggestion and school of the visit. ``check_by`` NULL means "at the next
    visit to that school". The UUID makes merging safe, as for activities and evidence.
    A follow-up goes with its visit when the visit is deleted. A new table only: no row
    of an older table changes.
    """
    conn.executescript(
        """
        CREATE TABLE follow_ups (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
            school_code TEXT NOT NULL REFERENCES schools(code) ON UPDATE CASCADE,
            text TEXT NOT NULL CHECK (length(trim(text)) > 0),
            given_on TEXT NOT NULL,              -- the visit's date, ISO 8601
            check_by TEXT,                       -- NULL: at the next visit to the school
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'partly', 'not_done')),
            result TEXT NOT NULL DEFAULT '',
            closed_on TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK ((status = 'open') = (closed_on IS NULL))
        );
        CREATE INDEX follow_ups_school ON follow_ups(school_code, status, given_on);
        CREATE INDEX follow_ups_activity ON follow_ups(activity_id);
        CREATE INDEX follow_ups_given_on ON follow_ups(given_on);
        CREATE INDEX follow_ups_open ON follow_ups(status, check_by);
        """
    )


# --- m011: ids never reused; views with typed columns ------------------------------------------

#: The views of m003 with a computed number, with every computed column CAST to its type. A
#: column computed by an expression (a CASE, count(*), a concatenation) has no type in SQLite,
#: so comparing it with text never matches: Datasette filters with text
#: (``?academic_year=2569`` runs ``"academic_year" = '2569'``), which found nothing. A CAST
#: gives the column the type's affinity, and SQLite then converts the text before comparing.
#: evidence_readable is not here: its only computed column, ``stored_as``, is text already
#: (text compares with text), and m013 (which may run before or after this migration)
#: redefines it; m011 re-creates it word for word, as it finds it.
TYPED_VIEWS = {
    "activity_terms": """
        -- The academic year (BE) and term of every activity.
        CREATE VIEW activity_terms AS
        SELECT d.activity_id, d.date,
            CAST(CASE WHEN t.year IS NOT NULL THEN t.year
                 WHEN EXISTS (SELECT 1 FROM terms o WHERE o.year = d.default_year AND o.term = d.default_term) THEN NULL
                 ELSE d.default_year END AS INTEGER) AS academic_year,
            CAST(CASE WHEN t.year IS NOT NULL THEN t.term
                 WHEN EXISTS (SELECT 1 FROM terms o WHERE o.year = d.default_year AND o.term = d.default_term) THEN NULL
                 ELSE d.default_term END AS INTEGER) AS term
        FROM (
            SELECT id AS activity_id, date,
                CAST(substr(date, 1, 4) AS INTEGER) + CASE WHEN substr(date, 6, 5) < '05-16' THEN 542 ELSE 543 END AS default_year,
                CASE WHEN substr(date, 6, 5) < '05-16' THEN 2 WHEN substr(date, 6, 5) <= '10-31' THEN 1 ELSE 2 END AS default_term
            FROM activities
        ) d
        LEFT JOIN terms t ON d.date BETWEEN t.start_date AND t.end_date;
    """,
    "activities_readable": """
        -- One line per activity: dates in CE and BE, whose it is, its standards and schools.
        CREATE VIEW activities_readable AS
        SELECT a.id, a.date,
            CAST(CAST(strftime('%d', a.date) AS INTEGER) || ' ' ||
            CASE CAST(strftime('%m', a.date) AS INTEGER)
                WHEN 1 THEN 'ม.ค.' WHEN 2 THEN 'ก.พ.' WHEN 3 THEN 'มี.ค.' WHEN 4 THEN 'เม.ย.'
                WHEN 5 THEN 'พ.ค.' WHEN 6 THEN 'มิ.ย.' WHEN 7 THEN 'ก.ค.' WHEN 8 THEN 'ส.ค.'
                WHEN 9 THEN 'ก.ย.' WHEN 10 THEN 'ต.ค.' WHEN 11 THEN 'พ.ย.' WHEN 12 THEN 'ธ.ค.' END
            || ' ' || (CAST(strftime('%Y', a.date) AS INTEGER) + 543) AS TEXT) AS date_be,
            CAST(t.academic_year AS INTEGER) AS academic_year, CAST(t.term AS INTEGER) AS term,
            s.name AS supervisor, a.kind, a.mode, a.title,
            CAST((SELECT group_concat(standard_id, ', ') FROM
                (SELECT standard_id FROM activity_standards WHERE activity_id = a.id ORDER BY standard_id)) AS TEXT) AS standards,
            CAST((SELECT group_concat(name, ', ') FROM
                (SELECT sc.name FROM activity_schools x JOIN schools sc ON sc.code = x.school_code
                 WHERE x.activity_id = a.id ORDER BY sc.name)) AS TEXT) AS schools,
            CAST((SELECT count(*) FROM evidence e WHERE e.activity_id = a.id) AS INTEGER) AS evidence,
            a.findings, a.suggestions, a.participants, a.teachers, a.uuid, a.updated_at
        FROM activities a
        LEFT JOIN supervisors s ON s.id = a.supervisor_id
        LEFT JOIN activity_terms t ON t.activity_id = a.id;
    """,
    "visits_per_school_term": """
        -- Every school in every term that has any activity: how often it was reached, and by whom.
        CREATE VIEW visits_per_school_term AS
        SELECT CAST(p.academic_year AS INTEGER) AS academic_year, CAST(p.term AS INTEGER) AS term,
            sc.code AS school_code, sc.name AS school, sc.school_group, sc.district,
            CAST(coalesce(sum(v.kind = 'visit'), 0) AS INTEGER) AS visits,
            CAST(count(v.activity_id) AS INTEGER) AS activities,
            CAST(max(v.date) AS TEXT) AS last_date,
            CAST(group_concat(DISTINCT sp.name) AS TEXT) AS supervisors
        FROM (SELECT DISTINCT academic_year, term FROM activity_terms WHERE academic_year IS NOT NULL) p
        CROSS JOIN schools sc
        LEFT JOIN (
            SELECT t.academic_year, t.term, x.school_code, a.id AS activity_id, a.kind, a.date, a.supervisor_id
            FROM activity_schools x
            JOIN activities a ON a.id = x.activity_id
            JOIN activity_terms t ON t.activity_id = a.id
        ) v ON v.academic_year = p.academic_year AND v.term = p.term AND v.school_code = sc.code
        LEFT JOIN supervisors sp ON sp.id = v.supervisor_id
        GROUP BY p.academic_year, p.term, sc.code;
    """,
    "standards_readable": """
        -- The manual with how much work each standard has.
        CREATE VIEW standards_readable AS
        SELECT st.id, st.duty_number, d.title AS duty, st.activity, st.standard, st.target,
            CAST(st.retired_at IS NOT NULL AS INTEGER) AS retired,
            CAST((SELECT count(*) FROM activity_standards x WHERE x.standard_id = st.id) AS INTEGER) AS activities,
            CAST((SELECT max(a.date) FROM activity_standards x JOIN activities a ON a.id = x.activity_id
             WHERE x.standard_id = st.id) AS TEXT) AS last_date
        FROM standards st
        JOIN duties d ON d.number = st.duty_number;
    """,
}

#: The tables whose ids people see and write down: ``nitet show 24``, ``evidence open 7``,
#: ``follow-up close 12`` (m010's follow_ups, numbered ``#12`` in every list).
NUMBERED_TABLES = ("activities", "evidence", "follow_ups")

_ROWID_KEY = r"\bid\s+INTEGER\s+PRIMARY\s+KEY\b(?!\s+AUTOINCREMENT)"  # compiled when m011 runs, not on every start


def rebuilds_tables(fn: Migration) -> Migration:
    """Mark a migration that rebuilds tables others point to: the runner turns foreign keys
    off around it (SQLite's way to rebuild a table; otherwise dropping the old table would
    delete, through ON DELETE CASCADE, every row pointing to it) and checks them all after."""
    fn.rebuilds_tables = True  # type: ignore[attr-defined]
    return fn


@migration
@rebuilds_tables
def m011_ids_never_reused(conn: sqlite3.Connection) -> None:
    """Entry, evidence and follow-up numbers are never given twice (issue 13), and the views'
    computed columns carry their type (Datasette's filters).

    ``INTEGER PRIMARY KEY`` alone gives a new row the largest id + 1, so after ``nitet delete
    24`` the next entry was 24 again and a number a supervisor wrote down named another entry
    (and a follow-up deleted with its visit gave its number to the next one). With
    ``AUTOINCREMENT`` SQLite remembers the largest id ever given (in sqlite_sequence).
    SQLite cannot add it to an existing table, so activities, evidence and follow_ups are
    rebuilt as its documentation says: each table's own CREATE statement (with whatever
    columns earlier migrations added) gains AUTOINCREMENT, the rows are copied with their
    ids, and the indexes, triggers (the summary tables' of m004/m006/m009 and the search
    index's of m005) and views are made again exactly as they were — the views of m003 with
    typed columns (``TYPED_VIEWS``). The tables pointing to the rebuilt ones (evidence and
    follow_ups to activities, the link tables) keep their rows and their ``REFERENCES``,
    which name the table, not its copy. No row of any table changes. (A number deleted
    before this upgrade above every remaining one may still be given once more: SQLite
    kept no record of it.)
    """
    master = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid"
    schema = [tuple(r) for r in conn.execute(master).fetchall()]
    triggers = [(name, sql) for kind, name, _table, sql in schema if kind == "trigger"]
    views = [(name, sql) for kind, name, _table, sql in schema if kind == "view"]
    indexes = [sql for kind, _name, table, sql in schema if kind == "index" and table in NUMBERED_TABLES]
    tables = {name: sql for kind, name, _table, sql in schema if kind == "table"}
    # Triggers and views name the tables being replaced: SQLite refuses to rename a table
    # while any of them would be left pointing at nothing, so they go first and come back last.
    for name, _sql in triggers:
        conn.execute(f'DROP TRIGGER "{name}"')
    for name, _sql in views:
        conn.execute(f'DROP VIEW "{name}"')
    for table in NUMBERED_TABLES:
        create, found = re.subn(_ROWID_KEY, "id INTEGER PRIMARY KEY AUTOINCREMENT", tables[table], count=1, flags=re.I)
        if not found:
            raise DatabaseError(f"ตาราง {table} ไม่มีคอลัมน์ id แบบที่คาดไว้ — ตรวจไฟล์ฐานข้อมูลด้วย 'nitet doctor'")
        create = re.sub(
            rf'^\s*CREATE\s+TABLE\s+"?{table}"?', f"CREATE TABLE {table}_rebuilt", create, count=1, flags=re.I
        )
        conn.execute(create)
        conn.execute(f"INSERT INTO {table}_rebuilt SELECT * FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")
    for sql in indexes:
        conn.execute(sql)
    for _name, sql in triggers:
        conn.execute(sql)
    for name, sql in views:
        conn.executescript(TYPED_VIEWS.get(name, sql))
    for name in TYPED_VIEWS.keys() - {name for name, _sql in views}:
        conn.executescript(TYPED_VIEWS[name])


@migration
def m012_profile_endorser(conn: sqlite3.Connection) -> None:
    """Who endorses a supervisor's report (ความเห็นของผู้บังคับบัญชา), part of the profile (issue 11):
    the endorser's name and position, set with ``nitet profile set --endorser-name …
    --endorser-position …``; empty until set (the report then prints a dotted line)."""
    conn.executescript(
        """
        ALTER TABLE supervisors ADD COLUMN endorser_name TEXT NOT NULL DEFAULT '';
        ALTER TABLE supervisors ADD COLUMN endorser_position TEXT NOT NULL DEFAULT '';
        """
    )


#: The extension evidence_store.extension_of gives ``e.original_name``, in SQL: the text after the
#: last dot (not a leading one), lower-cased, 1-5 characters a-z or 0-9; NULL otherwise.
_EXTENSION_SQL = """
    (SELECT CASE WHEN length(x.ext) BETWEEN 1 AND 5 AND x.ext NOT GLOB '*[^a-z0-9]*'
                  AND length(x.original_name) > length(x.ext) + 1 THEN x.ext END
     FROM (SELECT e.original_name,
                  CASE WHEN instr(e.original_name, '.') > 0
                       THEN lower(replace(e.original_name, rtrim(e.original_name, replace(e.original_name, '.', '')), ''))
                  END AS ext) x)
"""


@migration
def m013_evidence_extensions(conn: sqlite3.Connection) -> None:
    """Stored evidence files keep their extension (issue 12): ``ab/<sha256>`` becomes ``ab/<sha256>.jpg``.

    No table changes; the view evidence_readable gives ``stored_as`` with the extension. The
    files are renamed here (evidence_store.add_extensions), inside this migration's transaction
    but not part of it: if the upgrade stops half way, or the transaction rolls back after some
    renames, every lookup still finds each file under its old or its new name, and the next
    upgrade finishes the renames. A store that cannot be renamed (read-only) keeps the old names.
    """
    conn.executescript(
        f"""
        DROP VIEW IF EXISTS evidence_readable;
        -- Evidence with the activity it belongs to; stored_as is the path inside <db>-evidence/.
        CREATE VIEW evidence_readable AS
        SELECT e.id, a.date, s.name AS supervisor, a.title AS activity, e.kind, e.caption,
            e.original_name, e.media_type, e.size, e.url,
            CASE WHEN e.kind = 'file' THEN substr(e.sha256, 1, 2) || '/' || e.sha256
                 || coalesce('.' || {_EXTENSION_SQL}, '') END AS stored_as,
            e.uuid, e.created_at
        FROM evidence e
        JOIN activities a ON a.id = e.activity_id
        LEFT JOIN supervisors s ON s.id = a.supervisor_id;
        """
    )
    main = next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "")
    if main:  # a database in memory has no store
        from nitet_cli.evidence_store import add_extensions

        add_extensions(conn, Path(main))


def schema_version(conn: sqlite3.Connection) -> int:
    """How many migrations this database has had; 0 for a new file."""
    if not _has_table(conn, MIGRATIONS_TABLE):
        return 0
    return conn.execute(f"SELECT count(*) FROM {MIGRATIONS_TABLE}").fetchone()[0]


def current_version() -> int:
    return len(MIGRATIONS)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def check_is_nitet(conn: sqlite3.Connection, path: Path | str) -> None:
    """Refuse a SQLite file that belongs to another program or a newer nitet."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"{path} ไม่ใช่ไฟล์ฐานข้อมูล SQLite ที่ใช้ได้ ({exc})") from exc
    if tables and MIGRATIONS_TABLE not in tables:
        raise DatabaseError(f"{path} เป็นฐานข้อมูลของโปรแกรมอื่น ไม่ใช่ของ nitet — ระบุไฟล์ฐานข้อมูล nitet หรือไฟล์ใหม่")
    if MIGRATIONS_TABLE in tables:
        known = {name for name, _ in MIGRATIONS}
        applied = {r[0] for r in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}
        unknown = applied - known
        if unknown:
            raise DatabaseError(
                f"{path} สร้างโดย nitet รุ่นที่ใหม่กว่า (migration {', '.join(sorted(unknown))}) — ปรับรุ่น nitet ก่อนใช้ไฟล์นี้"
            )


#: From this many activities, upgrading an existing database may take a while (migrations
#: m004–m006 and m009 rebuild summary tables: about 40 s on a million entries; m011 copies the
#: entries and their evidence), so the runner says so first.
LONG_UPGRADE_FROM = 50_000
LONG_UPGRADE_MESSAGE = "กำลังปรับโครงสร้างฐานข้อมูลเป็นรุ่นใหม่ (ครั้งเดียว อาจใช้เวลาสักครู่) …"


def _announce_long_upgrade(conn: sqlite3.Connection, announce: Callable[[str], None] | None) -> None:
    """LONG_UPGRADE_MESSAGE handed to ``announce`` before upgrading a big database; the storage
    layer prints nothing itself (the command line shows it when a person is watching)."""
    if announce is None or not _has_table(conn, "activities"):
        return
    # Stops after LONG_UPGRADE_FROM index entries: no full count of a million rows.
    big = conn.execute("SELECT 1 FROM activities LIMIT 1 OFFSET ?", (LONG_UPGRADE_FROM,)).fetchone()
    if big is not None:
        announce(LONG_UPGRADE_MESSAGE)


def migrate(
    conn: sqlite3.Connection, path: Path | str = "database", announce: Callable[[str], None] | None = None
) -> int:
    """Apply every migration not yet applied; returns how many ran. Before upgrading a big
    database, ``announce`` (if given) receives a sentence saying it may take a while."""
    check_is_nitet(conn, path)
    if schema_version(conn) == current_version():
        return 0
    ran = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
        applied = {r[0] for r in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    if applied:
        _announce_long_upgrade(conn, announce)
    for name, fn in MIGRATIONS:
        if name in applied:
            continue
        # executescript() commits first, so each migration's SQL goes through
        # plain execute() calls inside one explicit transaction.
        rebuild = getattr(fn, "rebuilds_tables", False)
        keys_on = rebuild and conn.execute("PRAGMA foreign_keys").fetchone()[0]
        if rebuild:
            conn.execute("PRAGMA foreign_keys = OFF")  # only outside a transaction
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                already = conn.execute(f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE name = ?", (name,)).fetchone()
                if already is None:  # another process may have applied it while we waited
                    broken_before = _broken_references(conn) if rebuild else None
                    fn(_ScriptInTransaction(conn))
                    if rebuild:
                        check_foreign_keys(conn, name, broken_before)
                    conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)", (name, now_iso()))
                    ran += 1
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            if keys_on:
                conn.execute("PRAGMA foreign_keys = ON")
    return ran


def _broken_references(conn: sqlite3.Connection) -> Counter:
    return Counter(tuple(row) for row in conn.execute("PRAGMA foreign_key_check"))


def check_foreign_keys(conn: sqlite3.Connection, name: str, before: Counter) -> None:
    """After a rebuild with foreign keys off: no reference is broken that was not before
    (a database edited by hand may already hold some; 'nitet doctor' reports those)."""
    broken = _broken_references(conn) - before
    if broken:
        tables = sorted({row[0] for row in broken})
        raise DatabaseError(
            f"ปรับโครงสร้างฐานข้อมูล ({name}) ไม่ได้: การอ้างอิงในตาราง {', '.join(tables)} จะเสีย"
            " — ไม่ได้เปลี่ยนอะไร; ตรวจด้วย 'nitet doctor'"
        )


class _ScriptInTransaction:
    """A connection stand-in whose executescript() runs statement by statement,
    so that a migration stays inside the caller's transaction."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def executescript(self, script: str) -> None:
        for statement in _split_sql(script):
            self._conn.execute(statement)

    def execute(self, *args):
        return self._conn.execute(*args)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _split_sql(script: str) -> list[str]:
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
