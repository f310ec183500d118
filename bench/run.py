"""nitet's bench: start-up, a busy year, a national database. Prints figures, asserts nothing.

    python3 bench/run.py                 # everything (first run generates the data: a few minutes)
    python3 bench/run.py startup busy    # some parts only
    python3 bench/run.py --json out.json # the figures as JSON too

Every figure is a real ``nitet`` process started the way a user or cron starts it
(the console script, a fresh interpreter), timed with a monotonic clock; its peak
memory is the child's own maximum resident set size from ``wait4``. Generated data
is kept in ``bench/.cache`` (delete it to regenerate). See bench/README.md for the
output format and the budgets.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
sys.path.insert(0, str(BENCH))


@dataclass
class Figure:
    part: str
    name: str
    seconds: float  # median wall time
    runs: int
    peak_mb: float  # largest max-RSS of the runs
    budget: str = ""
    ok: bool | None = None
    note: str = ""


def nitet_command() -> list[str]:
    """The console script pip installed beside this interpreter.

    Not the first ``nitet`` on PATH: a version manager's shim (pyenv's is a bash script)
    would add its own 70–100 ms to every start and hide nitet's.
    """
    beside = Path(sys.executable).parent / "nitet"
    exe = str(beside) if beside.exists() else shutil.which("nitet")
    if exe is None:
        sys.exit("nitet is not installed: python3 -m pip install -e .")
    return [exe]


def run_once(argv: list[str], env: dict) -> tuple[float, float, int, bytes]:
    """Wall seconds, peak RSS in MB, exit status and stderr of one process."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, stderr


def measure(part: str, name: str, argv: list[str], env: dict, *, runs: int, accept=(0,)) -> Figure:
    times, peaks = [], []
    for _ in range(runs):
        seconds, peak, code, stderr = run_once(argv, env)
        if code not in accept:
            return Figure(
                part, name, float("nan"), 0, 0.0, note=f"exit {code}: {stderr.decode(errors='replace').strip()[:200]}"
            )
        times.append(seconds)
        peaks.append(peak)
    return Figure(part, name, statistics.median(times), runs, max(peaks))


def has_command(env: dict, *words: str) -> bool:
    code = subprocess.run([*nitet_command(), *words, "--help"], env=env, capture_output=True).returncode
    return code == 0


def base_env(db: Path | None = None) -> dict:
    # As installed from a wheel: bytecode compiled once (pip does it at install time),
    # not recompiled from source on every start as PYTHONDONTWRITEBYTECODE would force.
    env = {k: v for k, v in os.environ.items() if k not in ("NITET_DB", "PYTHONDONTWRITEBYTECODE")}
    env["NITET_TODAY"] = "2027-03-20"  # near the end of term 2, ปีการศึกษา ๒๕๖๙
    if db is not None:
        env["NITET_DB"] = str(db)
    return env


def ensure_follow_ups(db: Path) -> None:
    """A database generated before follow-ups existed (issue 10) gets them once, outside any
    measurement, after nitet has brought its schema up to date."""
    import sqlite3

    from generate import add_follow_ups

    subprocess.run([*nitet_command(), "manual", "show", "--json"], env=base_env(db), capture_output=True)
    conn = sqlite3.connect(db)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "follow_ups" in tables and conn.execute("SELECT count(*) FROM follow_ups").fetchone()[0] == 0:
            with conn:
                add_follow_ups(conn)
    finally:
        conn.close()


def measure_due(part: str, figures: list[Figure], env: dict, *, runs: int, budget: bool) -> None:
    """``nitet due`` for the current term (NITET_TODAY: near the end of term 2), as text and as JSON."""
    if not has_command(env, "due"):
        figures.append(Figure(part, "due", float("nan"), 0, 0.0, note="command not built yet"))
        return
    for name, extra in (("due", []), ("due --json", ["--json"])):
        figure = measure(part, name, [*nitet_command(), "due", *extra], env, runs=runs)
        if budget:
            figure.budget = "≤ 1 s"
            figure.ok = figure.seconds <= 1.0
        figures.append(figure)


# --- (a) start-up --------------------------------------------------------------------------

WATSON_VENV = CACHE / "watson-venv"
WATSON_ADD = ["add", "-f", "10:00", "-t", "11:00", "proj"]


def watson_command() -> list[str] | None:
    """``watson`` (td-watson, the time tracker people compare nitet's recording with): the one
    on PATH, else one pip installs once into bench/.cache/watson-venv. The venv sees this
    interpreter's site-packages, so that both programs start the same Python the same way
    (its .pth files included); None when it cannot be installed (the figures say so)."""
    found = shutil.which("watson")
    if found:
        return [found]
    exe = WATSON_VENV / "bin" / "watson"
    if not exe.exists():
        print("installing td-watson into bench/.cache/watson-venv (once)…", file=sys.stderr)
        made = subprocess.run(
            [sys.executable, "-m", "venv", "--system-site-packages", "--clear", str(WATSON_VENV)], capture_output=True
        )
        if made.returncode == 0:
            pip = [str(WATSON_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "td-watson"]
            made = subprocess.run(pip, capture_output=True)
        if made.returncode != 0 or not exe.exists():
            print(f"  td-watson could not be installed: {made.stderr.decode(errors='replace')[-300:]}", file=sys.stderr)
            return None
    return [str(exe)]


def watson_version(watson: list[str]) -> str:
    found = subprocess.run([*watson, "--version"], capture_output=True, text=True)
    return found.stdout.strip().split()[-1] if found.returncode == 0 and found.stdout.strip() else "?"


def measure_side_by_side(part: str, commands: list[tuple[str, list[str], dict]], *, runs: int) -> dict[str, Figure]:
    """Each command ``runs`` times, interleaved (one run of each in turn, the order rotated every
    round), so that a change in the machine's load touches every command alike."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in commands}
    peaks: dict[str, list[float]] = {name: [] for name, _, _ in commands}
    failed: dict[str, str] = {}
    for round_ in range(runs):
        shift = round_ % len(commands)
        for name, argv, env in commands[shift:] + commands[:shift]:
            if name in failed:
                continue
            seconds, peak, code, stderr = run_once(argv, env)
            if code != 0:
                failed[name] = f"exit {code}: {stderr.decode(errors='replace').strip()[:200]}"
                continue
            times[name].append(seconds)
            peaks[name].append(peak)
    return {
        name: Figure(part, name, float("nan"), 0, 0.0, note=failed[name])
        if name in failed
        else Figure(part, name, statistics.median(times[name]), runs, max(peaks[name]))
        for name, _, _ in commands
    }


WRITE_ALONE = """
import sys, typer, sqlite3
conn = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
for pragma in ("busy_timeout = 60000", "journal_mode = WAL", "foreign_keys = ON", "synchronous = NORMAL"):
    conn.execute("PRAGMA " + pragma).fetchall()
conn.execute("BEGIN IMMEDIATE")
row = conn.execute(
    "INSERT INTO activities (uuid, date, kind, mode, title, findings, suggestions, participants, created_at,"
    " updated_at) VALUES (lower(hex(randomblob(16))), '2026-11-20', 'meeting', 'onsite', 'ประชุม', '', '', '',"
    " '2026-11-20T00:00:00+00:00', '2026-11-20T00:00:00+00:00')"
).lastrowid
conn.execute("INSERT INTO activity_standards (activity_id, standard_id) VALUES (?, '1.2')", (row,))
conn.execute("COMMIT")
conn.close()
"""

#: The issue's budgets for the recording commands (issue 13): against watson add and against
#: the bare start of the two libraries nitet cannot do without.
WATSON_SHARE = 0.9
OVER_TYPER_SQLITE = 0.020


def startup(figures: list[Figure]) -> None:
    work = CACHE / "startup"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "nitet.db"
    env = base_env(db)
    env["NITET_TODAY"] = "2026-11-24"
    # A fresh database as the README makes it (nitet init from a script: the bundled manual).
    subprocess.run([*nitet_command(), "--db", str(db), "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*nitet_command(), "school", "add", "--code", "57010001", "--name", "โรงเรียนบ้านคู่", "--group", "บ้านคู่"],
        env=env,
        capture_output=True,
    )
    watson = watson_command()
    watson_env = {**env, "WATSON_DIR": str(work / "watson")}
    python = sys.executable
    nitet = nitet_command()
    # The disk's share: the same two imports, then one entry written into a copy of the database
    # the way nitet writes it (same connection settings, one IMMEDIATE transaction, the same
    # triggers, the close that checkpoints): SQLite's fsyncs, which no change to nitet's Python removes.
    floor_db = work / "write-alone.db"
    shutil.copyfile(db, floor_db)
    commands = [
        ("python -c pass", [python, "-c", "pass"], env),
        ('python -c "import typer, sqlite3"', [python, "-c", "import typer, sqlite3"], env),
        ("  ″ + one entry written (SQL)", [python, "-c", WRITE_ALONE, str(floor_db)], env),
    ]
    if watson:
        commands.append(("watson add -f 10:00 -t 11:00 proj", [*watson, *WATSON_ADD], watson_env))
    visit = ["--school", "57010001", "--date", "2026-11-20", "--title", "นิเทศการอ่าน", "--mode", "onsite"]
    commands += [
        ("nitet log-visit", [*nitet, "log-visit", *visit], env),
        ("nitet log", [*nitet, "log", "1.2", "--title", "ประชุมกลุ่มโรงเรียน", "--date", "2026-11-20"], env),
        ("nitet --help", [*nitet, "--help"], env),
        ("nitet list", [*nitet, "list"], env),
    ]
    found = measure_side_by_side("startup", commands, runs=21)
    baseline = found["python -c pass"]
    libraries = found['python -c "import typer, sqlite3"']
    peer = found.get("watson add -f 10:00 -t 11:00 proj")
    if peer is not None:
        peer.note = f"td-watson {watson_version(watson)}"
    else:
        peer = Figure(
            "startup", "watson add -f 10:00 -t 11:00 proj", float("nan"), 0, 0.0, note="td-watson not installed"
        )
    alone = found["  ″ + one entry written (SQL)"]
    alone.note = f"{(alone.seconds - libraries.seconds) * 1000:+.0f} ms over import typer, sqlite3 (the disk's share)"
    figures += [baseline, libraries, alone, peer]
    for name in ("nitet log-visit", "nitet log", "nitet --help", "nitet list"):
        figure = found[name]
        figure.note = f"{figure.seconds / baseline.seconds:.2f}× python -c pass"
        figures.append(figure)
        if name not in ("nitet log-visit", "nitet log"):
            continue
        if peer.seconds == peer.seconds:  # not NaN
            figure.budget = f"≤ {WATSON_SHARE}× watson = {WATSON_SHARE * peer.seconds * 1000:.0f} ms"
            figure.ok = figure.seconds <= WATSON_SHARE * peer.seconds
            figure.note = f"{figure.seconds / peer.seconds:.2f}× watson add"
        else:
            figure.budget, figure.ok = f"≤ {WATSON_SHARE}× watson", False
        over = Figure("startup", "  ″ (the same runs)", figure.seconds, figure.runs, figure.peak_mb)
        limit = libraries.seconds + OVER_TYPER_SQLITE
        over.budget = f"≤ typer+sqlite3 + 20 ms = {limit * 1000:.0f} ms"
        over.ok = figure.seconds <= limit
        over.note = f"{(figure.seconds - libraries.seconds) * 1000:+.0f} ms over import typer, sqlite3"
        figures.append(over)
    figures += instruction_counts(commands)


#: The commands whose instructions are counted (one run each: the count does not depend on load).
COUNTED = ('python -c "import typer, sqlite3"', "watson add -f 10:00 -t 11:00 proj", "nitet log-visit", "nitet log")


def instruction_counts(commands: list[tuple[str, list[str], dict]]) -> list[Figure]:
    """Instructions each process runs, counted by valgrind (callgrind), when valgrind is installed.

    Wall time on a shared machine moves by ±15 ms from run to run; the instruction count of the
    same process is the same every time (to 0.1 %), so these rows show what a change to nitet's
    Python did, whatever else the machine was doing. The disk's waits are not instructions."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return [Figure("startup", "instructions", float("nan"), 0, 0.0, note="valgrind not installed: not counted")]
    counted: dict[str, float] = {}
    for name, argv, env in commands:
        if name not in COUNTED:
            continue
        # The console script's interpreter, not a version manager's shim (see nitet_command).
        proc = subprocess.run(
            [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *argv],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        found = [line for line in proc.stderr.splitlines() if "Collected :" in line]
        if proc.returncode == 0 and found:
            counted[name] = int(found[-1].split(":")[-1]) / 1e6
    yardstick = counted.get(COUNTED[0])
    rows = []
    for name in COUNTED:
        if name not in counted:
            continue
        note = f"{counted[name]:.0f} M instructions (callgrind)"
        if yardstick and name != COUNTED[0]:
            note += f", {counted[name] - yardstick:+.0f} M over import typer, sqlite3"
        rows.append(Figure("startup", f"  instructions: {name}", float("nan"), 1, 0.0, note=note))
    return rows


# --- (b) a busy year -----------------------------------------------------------------------


def busy(figures: list[Figure]) -> None:
    from generate import busy_year

    db = CACHE / "busy.db"
    if not db.exists():
        print("generating the busy year (3,000 activities, 200 schools, 500 photos)…", file=sys.stderr)
        busy_year(db)
    ensure_follow_ups(db)
    env = base_env(db)
    if has_command(env, "status"):
        for label in ("cold", "warm"):
            figures.append(
                measure(
                    "busy",
                    f"status ({label})",
                    [*nitet_command(), "status", "--year", "2569", "--term", "2", "--json"],
                    env,
                    runs=1 if label == "cold" else 5,
                    accept=(0, 1),
                )
            )
    else:
        figures.append(Figure("busy", "status", float("nan"), 0, 0.0, note="command not built yet"))
    measure_due("busy", figures, env, runs=5, budget=False)
    if has_command(env, "report"):
        out = CACHE / "busy-report.docx"
        argv = [*nitet_command(), "--quiet", "report", "--year", "2569", "--term", "2", "-o", str(out)]
        thumbs = [p for p in (CACHE / "busy-evidence").glob(".thumb*")]
        for path in thumbs:  # cold: no thumbnail made yet
            shutil.rmtree(path, ignore_errors=True)
        cold = measure("busy", "report (cold: no thumbnails)", argv, env, runs=1)
        cold.note = _docx_note(out, cold.note)
        figures.append(cold)
        warm = measure("busy", "report (warm)", argv, env, runs=3)
        warm.budget = "≤ 3 s, ≤ 25 MB"
        warm.ok = warm.seconds <= 3.0 and warm.peak_mb <= 25
        warm.note = _docx_note(out, warm.note)
        figures.append(warm)
    else:
        figures.append(Figure("busy", "report", float("nan"), 0, 0.0, note="command not built yet"))


def _docx_note(path: Path, note: str) -> str:
    if not path.exists():
        return note
    import zipfile

    with zipfile.ZipFile(path) as archive:
        images = sum(1 for n in archive.namelist() if n.startswith("word/media/"))
    return (note + " " if note else "") + f"DOCX {path.stat().st_size / 1e6:.1f} MB, {images} images"


# --- (c) a national database ---------------------------------------------------------------


def national(figures: list[Figure]) -> None:
    from generate import national as make_national

    db = CACHE / "national.db"
    if not db.exists():
        print("generating the national database (1,000,000 activities, 30,000 schools)…", file=sys.stderr)
        started = time.monotonic()
        make_national(db)
        print(f"  generated in {time.monotonic() - started:.0f} s", file=sys.stderr)
    env = base_env(db)
    # Open once so that a newer schema's migrations run outside the measurement (and add
    # follow-ups to a database generated before them).
    ensure_follow_ups(db)
    if has_command(env, "status"):
        figure = measure(
            "national",
            "status",
            [*nitet_command(), "status", "--year", "2569", "--term", "1", "--json"],
            env,
            runs=3,
            accept=(0, 1),
        )
        figure.budget = "≤ 1 s, ≤ 300 MB"
        figure.ok = figure.seconds <= 1.0 and figure.peak_mb <= 300
        figures.append(figure)
    else:
        figures.append(Figure("national", "status", float("nan"), 0, 0.0, note="command not built yet"))
    measure_due("national", figures, env, runs=3, budget=True)
    if has_command(env, "list"):
        figure = measure(
            "national", "list --search", [*nitet_command(), "list", "--search", "PLC", "--json"], env, runs=3
        )
        figures.append(figure)
        figure = measure(
            "national",
            "list --year --term --school",
            [*nitet_command(), "list", "--year", "2569", "--term", "1", "--school", "10000042", "--json"],
            env,
            runs=3,
        )
        figures.append(figure)
    else:
        figures.append(Figure("national", "list --search", float("nan"), 0, 0.0, note="command not built yet"))
    figures.append(Figure("national", f"database size {db.stat().st_size / 1e6:.0f} MB", 0.0, 0, 0.0))


PARTS = {"startup": startup, "busy": busy, "national": national}


def print_table(figures: list[Figure]) -> None:
    what = max(32, *(len(f.name) for f in figures))
    budget = max(26, *(len(f.budget) for f in figures))
    print(f"{'part':<9} {'what':<{what}} {'median':>9} {'runs':>4} {'peak MB':>8}  {'budget':<{budget}} {'ok':<4} note")
    for f in figures:
        seconds = (
            "—" if f.seconds != f.seconds else (f"{f.seconds * 1000:.0f} ms" if f.seconds < 1 else f"{f.seconds:.2f} s")
        )
        ok = "" if f.ok is None else ("yes" if f.ok else "NO")
        peak = f"{f.peak_mb:.0f}" if f.peak_mb else ""
        print(
            f"{f.part:<9} {f.name:<{what}} {seconds:>9} {f.runs or '':>4} {peak:>8}  {f.budget:<{budget}} {ok:<4} {f.note}"
        )


def main(argv: list[str]) -> int:
    json_out = None
    if "--json" in argv:
        i = argv.index("--json")
        json_out = Path(argv[i + 1])
        argv = argv[:i] + argv[i + 2 :]
    parts = argv or list(PARTS)
    unknown = [p for p in parts if p not in PARTS]
    if unknown:
        print(f"unknown part {', '.join(unknown)}; choose from {', '.join(PARTS)}", file=sys.stderr)
        return 2
    CACHE.mkdir(exist_ok=True)
    import compileall

    import nitet_cli

    compileall.compile_dir(Path(nitet_cli.__file__).parent, quiet=1)
    figures: list[Figure] = []
    for part in parts:
        PARTS[part](figures)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"nitet bench — {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load {load} at the end,"
        f" Python {sys.version.split()[0]}"
    )
    print_table(figures)
    if json_out:
        json_out.write_text(json.dumps([asdict(f) for f in figures], ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
