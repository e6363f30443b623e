"""The timed stages of ``python -m benchmarks``, each a function returning seconds (and what
else it measured). Import and report run in a fresh interpreter (``python -m
benchmarks.stages import ...``) so that their peak memory is theirs alone and the report
timings include what a user waits for: starting Python, importing runlog.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def cpu_seconds(func: Callable[[], Any]) -> float:
    """CPU time this process spends in ``func``: per-core cost, whatever else the machine is
    doing at the time (wall time is not, on a shared machine)."""
    start = time.process_time()
    func()
    return time.process_time() - start


# --- FIT -------------------------------------------------------------------------------------


def fit_records(data: bytes) -> int:
    """Data messages in the file (a member's records come as one table of ``count`` rows)."""
    from runlog.importers import fit

    return sum(m.count if isinstance(m, fit.FitTable) else 1 for m in fit.fit_messages(data)
               if isinstance(m, (fit.FitMessage, fit.FitTable)))


def fit_fast(data: bytes) -> None:
    from runlog.importers import fit

    for _ in fit.fit_messages(data):
        pass


def fit_reader_fitparse(data: bytes) -> None:
    """The reader's fitparse path (fitparse with its own struct data path, before issue 5)."""
    from runlog.importers import fit

    for _ in fit.fit_messages(data, fast=False):
        pass


def fit_stock_fitparse(data: bytes) -> None:
    """fitparse as its README uses it: every message, CRC checked."""
    import fitparse

    for _ in fitparse.FitFile(io.BytesIO(data)).get_messages():
        pass


# --- GPX -------------------------------------------------------------------------------------


def gpx_points(data: bytes) -> int:
    return data.count(b"<trkpt")


def gpx_read(path: str) -> Callable[[bytes], None]:
    """The whole GPX reader (to activities) by one of its paths."""
    from runlog.importers import gpx

    def read(data: bytes) -> None:
        gpx._read(data, "bench.gpx", path=path)

    return read


def gpx_parse_fast(data: bytes) -> None:
    """Bytes to track points by the default path (pattern, else tree)."""
    from runlog.importers import gpx_pattern, gpx_tree, xmltools

    if gpx_pattern.read_by_pattern(data, "bench.gpx") is None:
        gpx_tree.read_tree(xmltools.parse(data, "bench.gpx"))


def gpx_parse_gpxpy(data: bytes) -> None:
    """Bytes to track points as the reader did before issue 5: xmltools, gpxpy, per point."""
    from runlog.importers import gpx_gpxpy, xmltools

    gpx_gpxpy.read_with_gpxpy(xmltools.parse(data, "bench.gpx"), "bench.gpx")


# --- TCX -------------------------------------------------------------------------------------


def tcx_points(data: bytes) -> int:
    return data.count(b"<Trackpoint>")


def tcx_read(path: str) -> Callable[[bytes], None]:
    """The whole TCX reader (to activities) by one of its paths: "pattern" or "tree"."""
    from runlog.importers import tcx

    def read(data: bytes) -> None:
        tcx._read(data, "bench.tcx", path=path)

    return read


def read_file(kind: str) -> Callable[[bytes], None]:
    from runlog.importers import ReadOptions, reader_for

    reader = reader_for(kind)

    def read(data: bytes) -> None:
        reader(data, f"bench.{kind}", ReadOptions())

    return read


# --- whole runs, in a fresh interpreter --------------------------------------------------------


def run_import(folder: Path, store: Path, jobs: int | None) -> dict[str, Any]:
    """``runlog.load`` of ``folder`` into ``store`` in a new process: wall seconds of load(),
    CPU seconds (the process and its pool), peak memory (MB) of the process and of the
    largest pool process, and the counts."""
    args = [sys.executable, "-m", "benchmarks.stages", "import", str(folder), str(store),
            str(jobs or 0)]
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"import failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def run_report(folder: Path, store: Path, fmt: str, out: Path, as_of: str) -> float:
    """Wall seconds of ``runlog report FOLDER --store STORE --format FMT`` as a user runs it."""
    args = [sys.executable, "-m", "runlog", "report", str(folder), "--store", str(store),
            "--format", fmt, "--output", str(out), "--as-of", as_of, "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 3):
        raise RuntimeError(f"report failed ({done.returncode}):\n{done.stderr}")
    return wall


def apple_iterparse_seconds(xml: Path) -> float:
    """Wall seconds of ``xml.etree.ElementTree.iterparse`` over an Apple Health export, each
    top-level element cleared once read (the usual way to keep its memory flat)."""
    import xml.etree.ElementTree as ET

    start = time.perf_counter()
    events = ET.iterparse(xml, events=("start", "end"))
    _, root = next(events)
    depth = 0
    for event, _ in events:
        if event == "start":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                root.clear()
    return time.perf_counter() - start


def _import_here(folder: str, store: str, jobs: str) -> None:
    import runlog

    start = time.perf_counter()
    loaded = runlog.load([folder], store=store, jobs=int(jobs) or None)
    wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF)
    pool = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "wall_s": wall,
        "cpu_s": own.ru_utime + own.ru_stime + pool.ru_utime + pool.ru_stime,
        # ru_maxrss is in KiB on Linux; for the pool, the largest of its processes.
        "peak_mb": own.ru_maxrss / 1024, "worker_peak_mb": pool.ru_maxrss / 1024,
        "activities": len(loaded.activities), "parsed": loaded.parsed,
        "reused": loaded.reused, "skipped": len(loaded.skipped),
    }))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "import":
        _import_here(*sys.argv[2:])
    else:
        sys.exit("usage: python -m benchmarks.stages import FOLDER STORE JOBS")
