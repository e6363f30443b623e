"""Coach mode on a big roster: time ``runlog batch`` with ``--jobs 1`` and ``--jobs 2``.

Usage: ``python -m benchmarks.roster [--athletes 100] [--days 365] [--repeat 3]
[--layout per-athlete|single|both] [--quick]`` from the repository root. It writes a roster
of athletes, each with a folder of FIT files as a Garmin watch writes them (drawn by
``examples/make_examples.py``: GPS, heart rate, cadence, laps, one record every 5 s), caches
it (``--cache``; the second run reuses it), then runs the real command in a fresh process for
each measurement:

* cold: an empty store, so every file is parsed (the first run for a new roster);
* warm: the store that run left, so files are only fingerprinted (every later Monday).

The store is laid out as ``batch`` keeps it, a folder with a file per athlete
(``per-athlete``), or as before issue 16, one file every athlete's process shares (``single``:
an existing store file given as ``--store``). Each athlete's report is HTML with charts, the
default. Prints the median of each. ``--quick`` is a small roster, run once, so the tests can
run the script.
"""

from __future__ import annotations

import argparse
import importlib.util
import multiprocessing
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from datetime import time as wall_clock
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import platformdirs

from runlog.batch import cpu_count
from runlog.store import Store

REPO = Path(__file__).resolve().parent.parent
#: Bump when the generated histories change, so an old cache is not reused.
GENERATOR_VERSION = 1
DONE = ".complete"  # written into a folder once everything in it is written


@cache
def examples() -> ModuleType:
    """examples/make_examples.py, which draws the sample athletes' workouts and FIT files."""
    path = REPO / "examples" / "make_examples.py"
    spec = importlib.util.spec_from_file_location("make_examples", path)
    if spec is None or spec.loader is None:  # pragma: no cover
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_examples"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def workouts(number: int, days: int, as_of: date) -> list[Any]:
    """One athlete's year: a weekly rhythm of their own (three to six runs, a long run, maybe
    intervals, trails, a treadmill, cross-training), and for some a break or a sudden long
    run, so the roster's flags differ."""
    ex = examples()
    rng = random.Random(f"roster-athlete-{number}")
    run_days = sorted(rng.sample(range(7), rng.randint(3, 6)))
    long_day = 6 if 6 in run_days else run_days[-1]
    track_day = rng.choice(run_days[:-1]) if rng.random() < 0.5 else None
    rest_days = [d for d in range(7) if d not in run_days]
    cross_day = rng.choice(rest_days) if rest_days and rng.random() < 0.5 else None
    trail_share, treadmill_share = rng.choice([0, 0.1, 0.3, 0.6]), rng.choice([0, 0.05, 0.2])
    first = as_of - timedelta(days=days - 1)
    break_start = (first + timedelta(days=rng.randint(30, max(31, days - 45)))
                   if rng.random() < 0.2 else None)
    spike_day = as_of - timedelta(days=rng.randint(0, 20)) if rng.random() < 0.25 else None
    easy_routes = [ex.DREISAM_EAST, ex.DREISAM_WEST, ex.WIEHRE_SHORT]
    out = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        weekday = day.weekday()
        if break_start is not None and break_start <= day < break_start + timedelta(days=21):
            continue
        if weekday == cross_day:
            start = ex.at_local(day, wall_clock(18, 0), ex.BERLIN, rng)
            out.append(ex.ride(start, ex.BERLIN, rng) if rng.random() < 0.5
                       else ex.strength(start, ex.BERLIN, rng))
        elif day == spike_day:
            out.append(ex.sam_long(day, rng, ex.DREISAM_WEST + ex.DREISAM_EAST
                                   + ex.DREISAM_WEST))
        elif weekday not in run_days:
            continue
        elif weekday == long_day:
            out.append(ex.sam_long(day, rng, ex.DREISAM_WEST + ex.DREISAM_EAST))
        elif weekday == track_day:
            out.append(ex.sam_track(day, rng))
        else:
            draw = rng.random()
            if draw < trail_share:
                out.append(ex.sam_trail(day, rng))
            elif draw < trail_share + treadmill_share:
                out.append(ex.sam_treadmill(day, rng))
            else:
                out.append(ex.sam_easy(day, rng, rng.choice(easy_routes)))
    return out


def write_athlete(folder: Path, number: int, days: int, as_of: date) -> int:
    """Write one athlete's FIT files (named by local start, as Garmin watches do)."""
    if (folder / DONE).exists():
        return sum(1 for _ in folder.glob("*.fit"))
    ex = examples()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    watch = ex.FR255 if number % 2 else ex.FR55
    history = workouts(number, days, as_of)
    for workout in history:
        name = workout.local_start.strftime("%Y-%m-%d-%H-%M-%S") + ".fit"
        (folder / name).write_bytes(ex.fit_file(workout, watch))
    (folder / "runlog.toml").write_text('timezone = "Europe/Berlin"\nunits = "km"\n',
                                        encoding="utf-8")
    (folder / DONE).touch()
    return len(history)


def roster(cache_dir: Path, athletes: int, days: int, as_of: date) -> Path:
    """The cached roster for these sizes, written first if it is not there (in parallel)."""
    root = cache_dir / f"roster-{athletes}x{days}-v{GENERATOR_VERSION}"
    if (root / DONE).exists():
        return root
    print(f"writing {athletes} athletes x {days} days into {root} (once) ...", flush=True)
    started = time.perf_counter()
    folders = [root / f"athlete-{n:03d}" for n in range(1, athletes + 1)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(cpu_count(), mp_context=context) as pool:
        files = sum(pool.map(write_athlete, folders, range(1, athletes + 1),
                             [days] * athletes, [as_of] * athletes))
    (root / DONE).touch()
    print(f"  {files} FIT files in {time.perf_counter() - started:.0f} s", flush=True)
    return root


#: --layout: how the store is laid out, and the store path a run gets in ``work``.
LAYOUTS = ("per-athlete", "single")


def store_path(work: Path, layout: str, jobs: int, round_: int) -> Path:
    """The store of one cold run (and of the warm runs after the first)."""
    if layout == "per-athlete":
        return work / f"stores-{jobs}-{round_}"
    return work / f"store-{jobs}-{round_}.sqlite"


def new_store(work: Path, layout: str, jobs: int, round_: int) -> Path:
    """An empty store of this layout: a folder batch fills, or an empty single store file
    (batch uses an existing file as the one store every athlete shares)."""
    path = store_path(work, layout, jobs, round_)
    if layout == "single":
        Store(path).close()
    return path


def time_batch(roster_dir: Path, out: Path, store: Path, jobs: int, as_of: date) -> float:
    """Seconds for one ``runlog batch`` in a fresh process, start-up included."""
    command = [sys.executable, "-m", "runlog", "batch", str(roster_dir), "-o", str(out),
               "--as-of", as_of.isoformat(), "--jobs", str(jobs), "--store", str(store)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"runlog batch failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=100)
    parser.add_argument("--days", type=int, default=365, help="days of history per athlete")
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per --jobs value")
    parser.add_argument("--cold-repeat", type=int, default=1,
                        help="cold runs (each parses every file) per --jobs value")
    parser.add_argument("--cache", type=Path,
                        default=Path(platformdirs.user_cache_dir("runlog")) / "benchmarks",
                        help="where the generated roster is kept between runs")
    parser.add_argument("--layout", choices=(*LAYOUTS, "both"), default="per-athlete",
                        help="a store file per athlete (batch's own), one shared file, or both")
    parser.add_argument("--quick", action="store_true",
                        help="4 athletes x 28 days, each run once: checks the script works")
    args = parser.parse_args(argv)
    if args.quick:
        args.athletes, args.days, args.repeat, args.cold_repeat = 4, 28, 1, 1
    layouts = LAYOUTS if args.layout == "both" else (args.layout,)
    as_of = examples().AS_OF
    roster_dir = roster(args.cache, args.athletes, args.days, as_of)
    files = sum(1 for _ in roster_dir.glob("*/*.fit"))
    size_mb = sum(p.stat().st_size for p in roster_dir.glob("*/*.fit")) / 1e6
    print(f"roster: {args.athletes} athletes x {args.days} days, {files} FIT files, "
          f"{size_mb:.0f} MB; as of {as_of}; {cpu_count()} cores", flush=True)

    cold: dict[tuple[str, int], list[float]] = {}
    warm: dict[tuple[str, int], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="runlog-bench-") as scratch:
        work = Path(scratch)
        for layout in layouts:
            for round_ in range(args.cold_repeat):
                for jobs in (1, 2):
                    store = new_store(work, layout, jobs, round_)
                    seconds = time_batch(roster_dir, work / "out", store, jobs, as_of)
                    cold.setdefault((layout, jobs), []).append(seconds)
                    print(f"  {layout:<11} cold  --jobs {jobs}: {seconds:7.1f} s", flush=True)
            for _ in range(args.repeat):  # alternate, so drift in the machine's load hits both
                for jobs in (1, 2):
                    store = store_path(work, layout, jobs, 0)
                    seconds = time_batch(roster_dir, work / "out", store, jobs, as_of)
                    warm.setdefault((layout, jobs), []).append(seconds)
                    print(f"  {layout:<11} warm  --jobs {jobs}: {seconds:7.1f} s", flush=True)

    print(f"\nrunlog batch, {args.athletes} athletes, HTML reports (median seconds)")
    print(f"{'store':<13}{'':<8}{'cold (empty store)':>20}{'warm (store reused)':>22}")
    for layout in layouts:
        for jobs in (1, 2):
            warm_s = statistics.median(warm[layout, jobs]) if args.repeat else float("nan")
            print(f"{layout:<13}--jobs {jobs}{statistics.median(cold[layout, jobs]):>20.1f}"
                  f"{warm_s:>22.1f}")
        speedup = [statistics.median(cold[layout, 1]) / statistics.median(cold[layout, 2])]
        if args.repeat:
            speedup.append(statistics.median(warm[layout, 1])
                           / statistics.median(warm[layout, 2]))
        print(f"{layout:<13}speed-up of --jobs 2: " + ", ".join(f"{s:.2f}x" for s in speedup))


if __name__ == "__main__":
    main()
