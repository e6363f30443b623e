"""The store under stress (issue 6): imports killed with SIGKILL at random points, imports
running at once, stores that are damaged, not SQLite or of another schema, and source files
that stay byte-identical through every command.

The kills and the concurrent imports are real subprocesses running ``python -m runlog import``
on a folder of many small files; the number of kills survived is printed in the summary.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from hardening import TALLY, Outcome, report_at_end, snapshot

import runlog
from conftest import EXAMPLES, gpx_run, live_processes
from runlog.cli import main
from runlog.errors import StoreError
from runlog.model import Activity
from runlog.store import SCHEMA_VERSION, Store

GPX_FILES = 120
KILL_ROUNDS = int(os.environ.get("RUNLOG_KILL_ROUNDS", "6"))
KILL_SEED = 6


def gpx(day: int, minutes: int) -> str:
    """A run on 2026-09-01 + ``day``, ``minutes`` long, a point every 10 s heading north."""
    return gpx_run(datetime(2026, 9, 1, 7, tzinfo=timezone.utc) + timedelta(days=day), minutes)


def make_inbox(root: Path, count: int = GPX_FILES) -> Path:
    """Many small runs: GPX files, a runlog CSV, gzipped and zipped copies of others."""
    folder = root / "inbox"
    (folder / "runs").mkdir(parents=True)
    for n in range(count):
        (folder / "runs" / f"{n:03d}.gpx").write_text(gpx(n % 60, 20 + n % 15))
    (folder / "log.csv").write_text("date,distance,duration\n2026-08-01 07:00,10 km,50:00\n"
                                    "2026-08-02 07:00,12 km,1:00:00\n")
    (folder / "late.gpx.gz").write_bytes(gzip.compress(gpx(70, 30).encode(), mtime=0))
    with zipfile.ZipFile(folder / "old.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(5):
            archive.writestr(f"old/{n}.gpx", gpx(80 + n, 25))
    fit = sorted((EXAMPLES / "watch-folder").glob("*.fit"))[:3]
    for path in fit:
        shutil.copy(path, folder / path.name)
    return folder


def import_command(store: Path, *folders: Path) -> list[str]:
    return [sys.executable, "-m", "runlog", "import", *map(str, folders), "--store", str(store),
            "--quiet"]


def stored_rows(store: Path) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    """The store's files and parses, without what depends on who stored them first: the time
    of the parse and the path it was read from (the same bytes at two paths are one parse;
    load() names each activity after the file it reads)."""
    with sqlite3.connect(store) as db:
        files = set(db.execute("SELECT path, member, size, stamp, content_hash FROM files"))
        parses = set()
        for *key, payload in db.execute(
                "SELECT content_hash, options_key, kind, ok, payload FROM parses"):
            decoded = json.loads(payload)
            for entry in decoded if isinstance(decoded, list) else []:
                entry.pop("source", None)
            parses.add((*key, json.dumps(decoded, sort_keys=True)))
    return files, parses


def check_whole(store: Path) -> int:
    """The store opens, SQLite finds it intact, every parse decodes whole and every file it
    remembers has its parse: nothing is half-imported. The number of files stored."""
    Store(store).close()
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for ok, payload in db.execute("SELECT ok, payload FROM parses"):
            decoded = json.loads(payload)
            if ok:
                for entry in decoded:
                    if "problem" not in entry:
                        Activity.from_record(entry)
        orphans = db.execute("SELECT count(*) FROM files WHERE content_hash NOT IN "
                             "(SELECT content_hash FROM parses)").fetchone()[0]
        assert orphans == 0
        return db.execute("SELECT count(*) FROM files").fetchone()[0]


def session_members(session: int) -> list[int]:
    """The processes still alive in a session (the one a killed import started)."""
    return [pid for pid, (_, sid) in live_processes().items() if sid == session]


def end_session(session: int) -> list[int]:
    """Kill what a killed import left running (its parse workers, if any); what was left."""
    members = session_members(session)
    if members:
        try:
            os.killpg(session, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return members


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_inbox(tmp_path_factory.mktemp("store"))


@pytest.fixture(scope="module")
def reference(inbox: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, float, float]:
    """One uninterrupted import: its store, how long it took, and how long runlog takes to
    start (the kills land between the two)."""
    store = tmp_path_factory.mktemp("reference") / "store.sqlite"
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "runlog", "--version"], check=True,
                   capture_output=True)
    startup = time.monotonic() - started
    started = time.monotonic()
    subprocess.run(import_command(store, inbox), check=True, capture_output=True)
    return store, time.monotonic() - started, startup


def files_stored(store: Path) -> int:
    """Files the store remembers so far (read while another process writes it)."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM files").fetchone()[0])
    except sqlite3.Error:  # not created yet, or its schema is being written
        return 0


def wait_for_progress(process: subprocess.Popen[bytes], store: Path, before: int,
                      deadline: float) -> None:
    ends = time.monotonic() + deadline
    while process.poll() is None and time.monotonic() < ends:
        if files_stored(store) > before:
            return
        time.sleep(0.01)


def test_an_import_killed_at_random_points_leaves_a_whole_store(
        request: pytest.FixtureRequest, inbox: Path, reference: tuple[Path, float, float],
        tmp_path: Path) -> None:
    report_at_end(request.config)
    reference_store, whole_s, startup_s = reference
    total = check_whole(reference_store)
    rng = random.Random(KILL_SEED)
    store = tmp_path / "killed-0.sqlite"
    kills = mid_import = stored = 0
    for round_ in range(KILL_ROUNDS):
        process = subprocess.Popen(import_command(store, inbox), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        if round_ % 2 == 0:
            # Somewhere from just before runlog is up to the end of the files still to store.
            left = 1 - stored / total
            time.sleep(rng.uniform(0.8 * startup_s, startup_s + left * (whole_s - startup_s)))
        else:
            # Timing alone can miss the storing phase on a busy machine: wait until this
            # import has stored something new, then kill it a moment later.
            wait_for_progress(process, store, stored, deadline=whole_s * 3 + 10)
            time.sleep(rng.uniform(0.0, 0.05))
        killed = process.poll() is None
        if killed:
            process.send_signal(signal.SIGKILL)
        process.wait()
        orphans = end_session(process.pid)
        stored = check_whole(store) if store.exists() else 0
        TALLY.add("store imports (SIGKILL)", Outcome(
            "killed and survived" if killed else "finished before the kill",
            f"{stored}/{total} stored"))
        for _ in orphans:  # counted for load.py's owner; see the xfail test below
            TALLY.add("parse workers a killed import left running", Outcome("killed by the test"))
        if killed:
            kills += 1
            mid_import += 0 < stored < total
        else:  # it finished before the kill: check it, and begin again on a new store
            assert stored_rows(store) == stored_rows(reference_store)
            store = tmp_path / f"killed-{round_ + 1}.sqlite"
            stored = 0
    subprocess.run(import_command(store, inbox), check=True, capture_output=True)
    assert stored_rows(store) == stored_rows(reference_store)
    assert kills >= KILL_ROUNDS // 2, f"only {kills} of {KILL_ROUNDS} imports were killed"
    assert mid_import >= 1, "no kill landed while files were being stored"
    activities = runlog.load([inbox], store=store).activities
    assert activities["activity_id"].is_unique
    assert len(activities) == len(runlog.load([inbox]).activities)


def test_a_killed_import_leaves_no_worker_running(
        inbox: Path, reference: tuple[Path, float, float], tmp_path: Path) -> None:
    _, whole_s, _ = reference
    process = subprocess.Popen(import_command(tmp_path / "store.sqlite", inbox),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 2 * whole_s
    while len(session_members(process.pid)) < 2 and process.poll() is None:  # workers up
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    if process.poll() is not None or len(session_members(process.pid)) < 2:
        end_session(process.pid)
        pytest.skip("the import parsed in one process: no workers to leave behind")
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(2)
    assert end_session(process.pid) == []


def test_imports_at_once_give_what_one_after_the_other_gives(
        inbox: Path, reference: tuple[Path, float, float], tmp_path: Path) -> None:
    """Two imports share the store: one of the big folder, one of it and another folder (the
    same bytes at two paths among them), so both store the same files at the same time."""
    other = make_inbox(tmp_path / "other", count=20)
    shutil.copy(inbox / "runs" / "000.gpx", other / "runs" / "same-bytes-elsewhere.gpx")
    runs = [(inbox,), (other, inbox)]
    at_once = tmp_path / "at-once.sqlite"
    processes = [subprocess.Popen(import_command(at_once, *folders), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for folders in runs]
    for process in processes:
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    in_turn = tmp_path / "in-turn.sqlite"
    for folders in runs:
        subprocess.run(import_command(in_turn, *folders), check=True, capture_output=True)
    assert check_whole(at_once) == check_whole(in_turn)
    assert stored_rows(at_once) == stored_rows(in_turn)
    tables = [runlog.load([inbox, other], store=store).activities for store in (at_once, in_turn)]
    assert tables[0].equals(tables[1])


# --- stores runlog cannot read --------------------------------------------------------------


@pytest.fixture(scope="module")
def watch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three runs from the sample watch folder."""
    folder = tmp_path_factory.mktemp("watch")
    for path in sorted((EXAMPLES / "watch-folder").glob("*.fit"))[:3]:
        shutil.copy(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def good_store(watch: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The bytes of a real store (write-ahead log folded in) holding ``watch``."""
    path = tmp_path_factory.mktemp("good") / "store.sqlite"
    runlog.load([watch], store=path)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.read_bytes()


Damage = Callable[[bytes, Path], None]


def written(make: Callable[[bytes], bytes]) -> Damage:
    return lambda good, path: path.write_bytes(make(good)) and None


def with_sql(statement: str, keep: bool = True) -> Damage:
    def damage(good: bytes, path: Path) -> None:
        path.write_bytes(good if keep else b"")
        with sqlite3.connect(path) as db:
            db.execute(statement)
    return damage


#: case -> (how the store is spoiled, words the refusal must hold)
UNREADABLE: dict[str, tuple[Damage, str]] = {
    "truncated to half": (written(lambda d: d[: len(d) // 2]), "cannot be read"),
    "truncated to its header": (written(lambda d: d[:100]), "cannot be read"),
    "pages overwritten": (written(lambda d: d[:8192] + os.urandom(len(d) - 8192)),
                          "cannot be read"),
    "header damaged": (written(lambda d: d[:16] + b"\xff" + d[17:]), "cannot be read"),
    "random bytes": (written(lambda d: os.urandom(20_000)), "cannot be read"),
    "a GPX file": (written(lambda d: b"<gpx></gpx>"), "cannot be read"),
    "another program's database": (with_sql("CREATE TABLE photos (id)", keep=False),
                                   "not a runlog store"),
    "a newer schema": (with_sql("UPDATE meta SET value='2' WHERE key='schema_version'"),
                       "store schema version 2 is not 1"),
    "a schema version that is not a number": (
        with_sql("UPDATE meta SET value='two' WHERE key='schema_version'"),
        "store schema version two is not 1"),
    "no schema version": (with_sql("DELETE FROM meta"), "store schema version None is not"),
    "a table missing": (with_sql("DROP TABLE parses"), "lacks its parses table"),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_a_store_runlog_cannot_read_is_refused_clearly(
        watch: Path, good_store: bytes, tmp_path: Path, case: str) -> None:
    damage, words = UNREADABLE[case]
    path = tmp_path / "store.sqlite"
    damage(good_store, path)
    with pytest.raises(StoreError) as info:
        runlog.load([watch], store=path)
    assert words in str(info.value)
    assert str(path) in str(info.value)
    TALLY.add("store (unreadable)", Outcome("refused", str(info.value)))
    result = CliRunner().invoke(main, ["import", str(watch), "--store", str(path), "--quiet"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and words in result.output
    assert SCHEMA_VERSION == 1


def test_a_stored_parse_that_does_not_decode_is_parsed_again(
        watch: Path, good_store: bytes, tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    path.write_bytes(good_store)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE parses SET payload='[{\"start_time\": 12' WHERE rowid=1")
    loaded = runlog.load([watch], store=path)
    assert (loaded.parsed, loaded.reused) == (1, len(loaded.activities) - 1)
    assert check_whole(path) == len(loaded.activities)


# --- source files are never touched ------------------------------------------------------------


def mtimes(root: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


def test_source_files_are_byte_identical_after_every_command(tmp_path: Path) -> None:
    inbox = make_inbox(tmp_path / "sources", count=12)
    (inbox / "runlog.toml").write_text('athlete = "Sam"\ntimezone = "UTC"\n')
    store = tmp_path / "elsewhere" / "store.sqlite"
    out = tmp_path / "elsewhere" / "report"
    before, stamps = snapshot(inbox), mtimes(inbox)
    commands = [["import", str(inbox)]]
    commands += [["activities", str(inbox), "--format", fmt] for fmt in ("table", "csv", "json")]
    for fmt in ("text", "markdown", "html", "json"):
        commands += [["report", str(inbox), "--format", fmt, "--as-of", "2026-11-15"],
                     ["report", str(inbox), "--format", fmt, "--as-of", "2026-11-15",
                      "-o", f"{out}.{fmt}"]]
    for args in commands:
        result = CliRunner().invoke(main, [*args, "--store", str(store), "--quiet"])
        assert result.exit_code == 0, (args, result.output)
        assert snapshot(inbox) == before, args
        assert mtimes(inbox) == stamps, args


def test_deferred_writes_are_stored_whole_in_batches_and_at_the_end(tmp_path: Path) -> None:
    """Store.deferred holds writes back (another reader sees none of them), writes them a
    batch at a time, each file with its fingerprint, and the rest when the block ends,
    even by an exception."""
    path = tmp_path / "store.sqlite"
    store = Store(path)
    store.DEFER_SECONDS = 3600.0  # batches by count only here: no flush on a slow machine
    run = Activity(source="a.gpx", format="gpx", sport="running", distance_m=5000.0)

    def put(n: int) -> None:
        store.put((f"run{n}.gpx", "", n, n), f"{n:064x}", "key", "gpx", [run])

    with pytest.raises(RuntimeError), store.deferred():
        for n in range(Store.DEFER_FILES - 1):
            put(n)
        assert files_stored(path) == 0  # held back
        put(Store.DEFER_FILES - 1)
        assert files_stored(path) == Store.DEFER_FILES  # one batch, written whole
        put(Store.DEFER_FILES)
        assert files_stored(path) == Store.DEFER_FILES
        raise RuntimeError("the import stops")
    assert files_stored(path) == Store.DEFER_FILES + 1  # what was held back is not lost
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM parses").fetchone()[0] == Store.DEFER_FILES + 1
    put(1000)  # outside the block: at once
    assert files_stored(path) == Store.DEFER_FILES + 2
    store.close()


def _open_store_at_the_barrier(path: str, barrier: object, results: object) -> None:
    barrier.wait()  # type: ignore[attr-defined]
    try:
        for again in range(4):  # the last to close a WAL store checkpoints it alone
            with Store(path) as store:
                store.remember_file((f"{os.getpid()}-{again}.gpx", "", 1, 1), "h")
                store.counts()
        results.put("ok")  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - reported to the test as text
        results.put(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


STORE_OPEN_ROUNDS = int(os.environ.get("RUNLOG_STORE_OPEN_ROUNDS", "80"))


def test_processes_opening_one_new_store_at_once_wait_for_each_other(tmp_path: Path) -> None:
    """Issue 16, item 4: forked processes released at one barrier open a store that does not
    exist yet (the batch workers' race: about 1 round in 30 failed with "database is locked"
    before the opening took turns), then each writes a row. Every process must succeed, and
    every row be there."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    processes = 12
    failures: list[str] = []
    for round_ in range(STORE_OPEN_ROUNDS):
        path = tmp_path / f"round{round_}" / "new.sqlite"
        barrier, results = ctx.Barrier(processes), ctx.Queue()
        workers = [ctx.Process(target=_open_store_at_the_barrier,
                               args=(str(path), barrier, results)) for _ in range(processes)]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=120) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        failures += [f"round {round_}: {o}" for o in outcomes if o != "ok"]
        if not any(o != "ok" for o in outcomes):
            with Store(path) as store:
                assert store.counts()["files"] == 4 * processes
    assert not failures, failures[:3]


def test_a_busy_store_is_never_called_unreadable(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A store another process holds past the wait is busy, not damaged: the message says so
    and never advises removing it."""
    import runlog.store as store_module

    path = tmp_path / "s.sqlite"
    Store(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    try:
        with pytest.raises(StoreError) as caught:
            Store(path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    text = str(caught.value)
    assert "in use by another runlog process" in text
    assert "remove it" not in text and "cannot be read" not in text


def test_telling_a_store_from_a_photo_never_opens_the_file_outside_sqlite(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On POSIX, closing any descriptor of a file drops every lock this process holds on it:
    a header read with open()/close() while another connection of this process held the
    store let another process reset its write-ahead log ("database disk image is
    malformed"). The check goes through SQLite, which keeps its descriptors while it locks."""
    import builtins

    store_path, photo = tmp_path / "s.sqlite", tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 200)
    real_open = builtins.open

    def guarded(file: object, *args: object, **kwargs: object) -> object:
        assert Path(str(file)) not in (store_path, photo), f"open({file}) outside SQLite"
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", guarded)
    holder = Store(store_path)
    holder.remember_file(("a.gpx", "", 1, 1), "h")
    with Store(store_path) as second:  # a second connection in this process, then closed
        assert second.counts()["files"] == 1
    holder.remember_file(("b.gpx", "", 1, 1), "h")  # the first still writes
    holder.close()
    with pytest.raises(StoreError, match="not a runlog store"):
        Store(photo)
    assert photo.read_bytes().startswith(b"\xff\xd8")
    with Store(store_path) as check:
        assert check.counts()["files"] == 2
        assert check._db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
