"""Coach mode's stores and faults (issue 16): a store file per athlete, and batches whose
worker processes are killed with SIGKILL mid-review, on this machine (``--jobs 2``) and on Dask
(a ``LocalCluster`` of worker processes, and a ``dask scheduler`` / ``dask worker`` pair
started as a coach would start them).

The roster is test_batch.py's, plus "Heavy", an athlete with a few hundred GPX files: their
review keeps their store open long enough for the test to find the process that holds it and
kill it. Every surviving batch must write the bytes of an undisturbed one, and every
athlete's store must pass SQLite's integrity check.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_batch import AS_OF, AS_OF_ARG, ROSTER, files, index, write_history

from conftest import REPO, gpx_run, interruptible, live_processes
from runlog.batch import ATTEMPTS, read_roster, report_names, run_batch
from runlog.cli import main
from runlog.store import Store

HEAVY_RUNS = 240
#: The longest any batch here may take, kills and restarts included, on a loaded machine.
BATCH_TIMEOUT_S = 180


def gpx(start: datetime, minutes: int) -> str:
    """A run of ``minutes``, a point every 5 s heading north-east."""
    return gpx_run(start, minutes, step_s=5, lat=47.99, lon=7.84, dlat=0.00012, dlon=0.00005)


def write_heavy(folder: Path) -> None:
    """Two or three short runs a day for the 12 weeks before AS_OF, one GPX file each."""
    folder.mkdir(parents=True)
    end = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 6, tzinfo=timezone.utc)
    for n in range(HEAVY_RUNS):
        start = end - timedelta(hours=8 * n + 1)
        (folder / f"{n:03d}.gpx").write_text(gpx(start, 20 + n % 17), encoding="utf-8")


@pytest.fixture(scope="module")
def roster(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("roster")
    for seed, (name, pattern) in enumerate(ROSTER.items()):
        write_history(root / name, pattern, seed)
    write_heavy(root / "Heavy")
    return root


@pytest.fixture(scope="module")
def baseline(roster: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The undisturbed batch: this process, one athlete after another, no store."""
    out = tmp_path_factory.mktemp("baseline")
    run_batch(roster, out, fmt="json", as_of=AS_OF, jobs=1)
    return out


def batch_command(roster: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "runlog", "batch", str(roster), "-o", str(out), "--format",
            "json", *AS_OF_ARG, *options]


def check_stores(folder: Path) -> list[str]:
    """Every store in ``folder`` opens and passes SQLite's integrity check; their names."""
    names = sorted(p.name for p in folder.glob("*.sqlite"))
    for name in names:
        Store(folder / name).close()
        with closing(sqlite3.connect(folder / name)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",), name
    return names


def store_names(roster: Path) -> list[str]:
    """The store file each athlete of the roster gets, in the roster's order."""
    return report_names([a.name for a in read_roster(roster).athletes], ".sqlite")


# --------------------------------------------------------------------------------------------
# A store per athlete


def test_each_athlete_has_a_store_of_their_own(roster: Path, baseline: Path,
                                               tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    for run in ("cold", "warm"):
        out = tmp_path / run
        done = CliRunner().invoke(main, ["batch", str(roster), "-o", str(out), "--format",
                                         "json", "--jobs", "2", "--store", str(stores),
                                         *AS_OF_ARG])
        assert done.exit_code == 0, done.output
        assert files(out) == files(baseline), run
    names = dict(zip([a.name for a in read_roster(roster).athletes], store_names(roster)))
    # "bad config" fails before anything is read: no store
    assert check_stores(stores) == sorted(n for a, n in names.items() if a != "bad config")
    assert names["index"] == "index-2.sqlite" and names["Émile Zola"] == "emile-zola.sqlite"
    assert {names["ola"], names["Ola"]} == {"ola.sqlite", "ola-2.sqlite"}
    for athlete, name in names.items():
        if athlete == "bad config":
            continue
        with closing(sqlite3.connect(stores / name)) as db:
            paths = {Path(p) for (p,) in db.execute("SELECT path FROM files")}
        assert paths and all(p.parent == roster / athlete for p in paths), athlete
    with closing(sqlite3.connect(stores / names["Heavy"])) as db:
        assert db.execute("SELECT count(*) FROM parses").fetchone() == (HEAVY_RUNS,)


def test_the_default_store_folder_is_beside_the_single_store(tmp_path: Path) -> None:
    write_history(tmp_path / "roster" / "Lu", "steady")
    single = tmp_path / "data" / "store.sqlite"
    done = CliRunner().invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                     str(tmp_path / "out"), "--jobs", "1", *AS_OF_ARG],
                              env={"RUNLOG_STORE": str(single)})
    assert done.exit_code == 0, done.output
    assert check_stores(tmp_path / "data" / "athletes") == ["lu.sqlite"]
    assert not single.exists()


def test_a_single_store_file_is_still_read_and_nothing_in_it_lost(
        roster: Path, baseline: Path, tmp_path: Path) -> None:
    """A store file from before (runlog import, or a batch of an older runlog) given to batch
    is used as it was: shared by every athlete, what it held kept."""
    single = tmp_path / "store.sqlite"
    imported = CliRunner().invoke(main, ["import", str(roster / "Ada"), "--store", str(single),
                                         "--quiet"])
    assert imported.exit_code == 0, imported.output
    with closing(sqlite3.connect(single)) as db:
        before = set(db.execute("SELECT * FROM files"))
    done = CliRunner().invoke(main, ["batch", str(roster), "-o", str(tmp_path / "out"),
                                     "--format", "json", "--jobs", "2", "--store", str(single),
                                     *AS_OF_ARG])
    assert done.exit_code == 0, done.output
    assert done.stderr.startswith(
        f"runlog: {single} is a single store file: every athlete shares it, as before; give "
        "--store a folder to keep one file per athlete\n")
    assert files(tmp_path / "out") == files(baseline)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["out"]  # no folder made
    with closing(sqlite3.connect(single)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        after = set(db.execute("SELECT * FROM files"))
    assert before < after
    # a file each, Heavy's many and corrupt's two; "bad config" fails before reading any
    assert len(after) == HEAVY_RUNS + len(ROSTER) - 1 + 1


def test_a_store_file_that_is_no_store_is_refused_before_any_work(tmp_path: Path) -> None:
    write_history(tmp_path / "roster" / "Lu", "steady")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a store\n" * 100, encoding="utf-8")
    done = CliRunner().invoke(main, ["batch", str(tmp_path / "roster"), "-o",
                                     str(tmp_path / "out"), "--store", str(notes), *AS_OF_ARG])
    assert done.exit_code == 1
    assert done.stderr.startswith(f"Error: {notes}: this file is not a runlog store")
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "out").exists()
    assert notes.read_text(encoding="utf-8") == "not a store\n" * 100


# --------------------------------------------------------------------------------------------
# Killing the process that reviews an athlete


def descendants(root: int) -> list[int]:
    """The live processes below ``root``."""
    parents = {pid: parent for pid, (parent, _) in live_processes().items()}
    found, todo = [], [root]
    while todo:
        parent = todo.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def holds(pid: int, path: Path) -> bool:
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path)
                   for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:  # it ended, or closed the file, while we looked
        return False


def kill_reviewer(store: Path, times: int, running: subprocess.Popen[str] | None,
                  deadline_s: float = BATCH_TIMEOUT_S) -> int:
    """SIGKILL the process that has ``store`` open (the one reviewing its athlete) once it has
    begun writing parses into it, each time one does, up to ``times``; the number of kills.
    Processes below this test's are searched, so a Dask worker started by a LocalCluster is
    found too."""
    kills = 0
    ends = time.monotonic() + deadline_s
    log = store.with_name(store.name + "-wal")
    while kills < times and time.monotonic() < ends:
        if running is not None and running.poll() is not None:
            break
        victim = next((pid for pid in descendants(os.getpid()) if holds(pid, store)), None)
        if victim is None or not log.exists() or log.stat().st_size == 0:
            time.sleep(0.005)
            continue
        os.kill(victim, signal.SIGKILL)
        kills += 1
        while alive(victim) and time.monotonic() < ends:
            time.sleep(0.01)
    return kills


def run_and_kill(command: list[str], store: Path, times: int
                 ) -> tuple[int, subprocess.CompletedProcess[str]]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=REPO)
    try:
        kills = kill_reviewer(store, times, process)
        out, err = process.communicate(timeout=BATCH_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return kills, subprocess.CompletedProcess(command, process.returncode, out, err)


def test_a_local_worker_killed_mid_review_changes_nothing(
        roster: Path, baseline: Path, tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    kills, done = run_and_kill(batch_command(roster, tmp_path / "out", "--jobs", "2",
                                             "--store", str(stores)),
                               stores / "heavy.sqlite", times=1)
    assert kills == 1
    assert done.returncode == 0, done.stderr
    assert ("runlog: Heavy: the process reviewing them ended (killed by SIGKILL); reviewed "
            "again\n") in done.stderr
    assert "Traceback" not in done.stderr
    assert files(tmp_path / "out") == files(baseline)
    assert "heavy.sqlite" in check_stores(stores)


def small_roster(roster: Path, folder: Path) -> Path:
    for name in ("Heavy", "Chen", "Lu"):
        shutil.copytree(roster / name, folder / name)
    return folder


def test_an_athlete_whose_worker_dies_twice_is_failed_and_the_rest_done(
        roster: Path, baseline: Path, tmp_path: Path) -> None:
    small = small_roster(roster, tmp_path / "roster")
    stores = tmp_path / "stores"
    kills, done = run_and_kill(batch_command(small, tmp_path / "out", "--jobs", "2",
                                             "--store", str(stores)),
                               stores / "heavy.sqlite", times=ATTEMPTS)
    assert kills == ATTEMPTS == 2
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    heavy = index(tmp_path / "out")["athletes"][-1]
    assert heavy["athlete"] == "Heavy" and heavy["status"] == "failed"
    assert heavy["reason"] == ("its worker process died 2 times while reviewing this athlete "
                               "(the last: killed by SIGKILL)")
    assert ("runlog: Heavy: its worker process died 2 times while reviewing this athlete (the "
            "last: killed by SIGKILL)\n") in done.stderr
    for name in ("chen.json", "lu.json"):
        assert (tmp_path / "out" / name).read_bytes() == (baseline / name).read_bytes()
    assert check_stores(stores) == ["chen.sqlite", "heavy.sqlite", "lu.sqlite"]


def test_ctrl_c_stops_the_workers_without_a_traceback(roster: Path, tmp_path: Path) -> None:
    """SIGINT to the whole process group, as a terminal sends it: the workers ignore it and
    the batch stops them; none prints anything or is left running."""
    stores = tmp_path / "stores"
    process = subprocess.Popen(interruptible(batch_command(roster, tmp_path / "out", "--jobs",
                                                           "2", "--store", str(stores))),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=REPO, start_new_session=True)
    try:
        ends = time.monotonic() + BATCH_TIMEOUT_S
        while not any(holds(pid, stores / "heavy.sqlite") for pid in descendants(process.pid)):
            assert process.poll() is None and time.monotonic() < ends, process.stderr
            time.sleep(0.005)
        workers = descendants(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode != 0
    # the top-level handler (cli.main) may print its own line; no worker prints a traceback
    assert err.count("Traceback") <= 1 and "runlog-batch-worker" not in err
    assert "_serve" not in err and "review_athlete" not in err
    time.sleep(0.5)
    assert not [pid for pid in workers if alive(pid)]
    assert check_stores(stores)


def test_a_batch_killed_leaves_no_worker_running(roster: Path, tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    process = subprocess.Popen(interruptible(batch_command(roster, tmp_path / "out", "--jobs",
                                                           "2", "--store", str(stores))),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
                               start_new_session=True)
    try:
        ends = time.monotonic() + BATCH_TIMEOUT_S
        while len(descendants(process.pid)) < 2:
            assert process.poll() is None and time.monotonic() < ends
            time.sleep(0.01)
        workers = descendants(process.pid)
        process.send_signal(signal.SIGKILL)
        process.wait()
        ends = time.monotonic() + 10
        while [pid for pid in workers if alive(pid)]:
            assert time.monotonic() < ends, "workers left running"
            time.sleep(0.05)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    check_stores(stores)


# --------------------------------------------------------------------------------------------
# Dask: worker processes, killed; a scheduler and a worker started as commands


@pytest.fixture(scope="module")
def process_cluster() -> Iterator[str]:
    """Two single-threaded worker processes, and a scheduler set up as the README says: an
    athlete is tried on at most two workers, and a worker is given one athlete at a time (so
    a worker that dies takes no queued athlete's try with it)."""
    distributed = pytest.importorskip("dask.distributed")
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": ATTEMPTS - 1,
                          "distributed.scheduler.worker-saturation": 1.0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     host="127.0.0.1", dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_a_dask_worker_process_killed_mid_review_changes_nothing(
        process_cluster: str, roster: Path, baseline: Path, tmp_path: Path) -> None:
    stores = tmp_path / "stores"
    kills, done = run_and_kill(batch_command(roster, tmp_path / "out", "--scheduler",
                                             process_cluster, "--store", str(stores)),
                               stores / "heavy.sqlite", times=1)
    assert kills == 1
    assert done.returncode == 0, done.stderr
    assert files(tmp_path / "out") == files(baseline)
    assert "heavy.sqlite" in check_stores(stores)


def test_an_athlete_whose_dask_worker_dies_twice_is_failed(
        process_cluster: str, roster: Path, baseline: Path, tmp_path: Path) -> None:
    small = small_roster(roster, tmp_path / "roster")
    stores = tmp_path / "stores"
    kills, done = run_and_kill(batch_command(small, tmp_path / "out", "--scheduler",
                                             process_cluster, "--store", str(stores)),
                               stores / "heavy.sqlite", times=ATTEMPTS)
    assert kills == 2
    assert done.returncode == 0, done.stderr
    heavy = index(tmp_path / "out")["athletes"][-1]
    assert heavy["athlete"] == "Heavy" and heavy["status"] == "failed"
    assert heavy["reason"] == ("its Dask worker died each time it reviewed this athlete "
                               "(KilledWorker: the scheduler's allowed-failures were used up)")
    for name in ("chen.json", "lu.json"):
        assert (tmp_path / "out" / name).read_bytes() == (baseline / name).read_bytes()
    assert check_stores(stores) == ["chen.sqlite", "heavy.sqlite", "lu.sqlite"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_workers(address: str, count: int, deadline_s: float) -> None:
    from dask.distributed import Client

    with Client(address, timeout=deadline_s, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=deadline_s)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a process we started and everything it started (its own session)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # its nanny's worker, if still there
    except ProcessLookupError:
        pass
    process.wait()


def test_scheduler_and_worker_started_as_commands(roster: Path, baseline: Path,
                                                  tmp_path: Path) -> None:
    """The way the README tells a coach to start a cluster (on 127.0.0.1 only here), and a
    worker process killed mid-review."""
    pytest.importorskip("dask.distributed")
    dask = Path(sys.executable).parent / "dask"
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
           "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0"}
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
             "--no-dashboard"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))
        started.append(subprocess.Popen(
            [str(dask), "worker", address, "--host", "127.0.0.1", "--nworkers", "2",
             "--nthreads", "1", "--no-dashboard"], cwd=tmp_path, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))
        wait_for_workers(address, 2, deadline_s=90)
        stores = tmp_path / "stores"
        # the worker process reviewing Heavy is killed: its nanny starts another, and the
        # scheduler gives Heavy to the other worker
        kills, done = run_and_kill(batch_command(roster, tmp_path / "out", "--scheduler",
                                                 address, "--store", str(stores)),
                                   stores / "heavy.sqlite", times=1)
    finally:
        for process in reversed(started):
            stop(process)
    assert kills == 1
    assert done.returncode == 0, done.stderr
    assert files(tmp_path / "out") == files(baseline)
    assert "heavy.sqlite" in check_stores(stores)
