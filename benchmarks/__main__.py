"""``python -m benchmarks [--quick]``: issue 5's stages, timed on generated activities.

Writes a deterministic corpus of one-hour activities at 1 Hz (FIT, GPX and TCX in turn;
``--files``, 3,000 by default, 30 with ``--quick``) into a cache folder, then times, in one
run so the ratios compare like with like:

* FIT decoding, runlog's decoder against fitparse on the same files (CPU time per record);
* GPX, the reader by its fast paths against gpxpy's (CPU time per track point);
* TCX, the reader by pattern and from the tree (CPU time per trackpoint);
* one file of each kind through its reader;
* the import of every file into an empty store with all cores, then again, unchanged;
* ``runlog report --store`` over them, JSON and HTML, as a user runs it;
* issue 14: whole ``runlog import`` commands in a new process (benchmarks/commands.py): 240
  FIT files beside fitparse on one core, 60 GPX files beside gpxpy, every file into an empty
  store and again unchanged, an empty folder (start-up alone), ``runlog --help``, and the
  peak memory of the import's processes (``--quick``: a few files of each kind);
* issue 12: a generated Apple Health export (the real v14 DTD, ~1,300 runs among millions of
  records; ``--apple-mb``, 1024 by default, 4 with ``--quick``) imported as export.xml and as
  export.zip, beside ``xml.etree.iterparse`` on the same file; peak memory; re-import.

Prints a table of medians (``--repeat`` runs each) and ratios, with the targets of issues 5,
12 and 14.
Timing is never asserted: tests/test_benchmarks.py only checks that this runs.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from . import apple, commands, corpus, stages

FULL_FILES = 3000
QUICK_FILES = 30
#: Files of each kind that issue 14 times whole ``runlog import`` commands on, and --quick's.
COMMAND_FILES = {"fit": 240, "gpx": 60}
QUICK_COMMAND_FILES = {"fit": 8, "gpx": 4}


@dataclass
class Row:
    stage: str
    value: float
    unit: str
    note: str = ""
    target: str = ""
    met: bool | None = None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_FILES} files and fewer repeats (for CI)")
    parser.add_argument("--files", type=int, default=None,
                        help=f"activities to import (default {FULL_FILES})")
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs of each stage; the median is shown (default 3, quick 2)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes for the import (default: one per core)")
    parser.add_argument("--apple-mb", type=int, default=None,
                        help="size of the generated Apple Health export.xml in MB "
                             "(default 1024, quick 4)")
    parser.add_argument("--apple-only", action="store_true",
                        help="run the Apple Health stages alone")
    parser.add_argument("--baseline", type=Path, default=None, metavar="CHECKOUT",
                        help="another checkout of runlog (e.g. `git worktree add "
                             "../runlog-before main~5`): its whole commands are timed in the "
                             "same run, rows marked (baseline)")
    parser.add_argument("--cache", type=Path,
                        default=Path(platformdirs.user_cache_dir("runlog")) / "benchmarks",
                        help="where generated files are kept between runs")
    args = parser.parse_args(argv)
    count = args.files or (QUICK_FILES if args.quick else FULL_FILES)
    repeat = args.repeat or (2 if args.quick else 3)
    sample = 2 if args.quick else 9  # files per kind for the decoding stages

    started = time.perf_counter()
    apple_mb = args.apple_mb or (4 if args.quick else 1024)
    if args.apple_only:
        with tempfile.TemporaryDirectory(prefix="runlog-bench-apple-") as work:
            rows = _apple_rows(Path(work), apple_mb, repeat)
        _print_table(rows, 0, repeat)
        print(f"total {time.perf_counter() - started:.1f} s")
        return 0
    folder = _corpus_folder(args.cache, count)
    print(f"corpus: {count} one-hour activities in {folder} "
          f"({time.perf_counter() - started:.1f} s to build or find)", flush=True)
    # The readers run as in an import's workers, where what was imported is frozen out of
    # the collector's passes (runlog/load.py); without it, full passes over this process's
    # heap land on whichever stage allocates most, and the ratios drift from run to run.
    import runlog.importers  # noqa: F401 - imported before freezing, as a worker has it

    gc.collect()
    gc.freeze()
    rows: list[Row] = []
    rows += _fit_rows(folder, count, sample, repeat)
    rows += _gpx_rows(folder, count, sample, repeat)
    rows += _tcx_rows(folder, count, sample, repeat)
    rows += _reader_rows(folder, count, repeat)
    with tempfile.TemporaryDirectory(prefix="runlog-bench-") as work:
        rows += _pipeline_rows(folder, count, Path(work), repeat, args.jobs)
    with tempfile.TemporaryDirectory(prefix="runlog-bench-commands-") as work:
        sizes = QUICK_COMMAND_FILES if args.quick else COMMAND_FILES
        reference_cpu: dict[str, float] = {}
        if args.baseline is not None:
            rows += _command_rows(args.cache, folder, count, sizes, Path(work) / "baseline",
                                  repeat, args.jobs, reference_cpu, args.baseline.resolve())
        rows += _command_rows(args.cache, folder, count, sizes, Path(work) / "current",
                              repeat, args.jobs, reference_cpu)
    with tempfile.TemporaryDirectory(prefix="runlog-bench-apple-") as work:
        rows += _apple_rows(Path(work), apple_mb, repeat)
    _print_table(rows, count, repeat)
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


# --- the corpus ------------------------------------------------------------------------------


def _corpus_folder(cache: Path, count: int) -> Path:
    """A folder of exactly ``count`` files, linked to one pool of generated files."""
    return _linked_folder(cache, f"n{count}", range(count))


def _kind_folder(cache: Path, kind: str, count: int) -> Path:
    """A folder of the first ``count`` files of one kind of the pool (FIT, GPX or TCX)."""
    every = len(corpus.KINDS)
    first = corpus.KINDS.index(kind)
    return _linked_folder(cache, f"{kind}{count}", range(first, first + every * count, every))


def _linked_folder(cache: Path, folder_name: str, indices: range) -> Path:
    """A folder of the pool's files ``indices``, linked (copied where links fail)."""
    pool = corpus.build(cache / f"v{corpus.CORPUS_VERSION}" / "files", indices.stop)
    folder = cache / f"v{corpus.CORPUS_VERSION}" / folder_name
    folder.mkdir(parents=True, exist_ok=True)
    for index in indices:
        name = corpus.file_name(index)
        if not (folder / name).exists():
            try:
                os.link(pool / name, folder / name)
            except OSError:
                shutil.copyfile(pool / name, folder / name)
    return folder


def _sample(folder: Path, count: int, kind: str, size: int) -> list[bytes]:
    return [p.read_bytes() for p in list(corpus.files(folder, count, kind))[:size]]


# --- stages ----------------------------------------------------------------------------------


def _median_cpu(func: Callable[[bytes], None], files: list[bytes], repeat: int) -> float:
    """Median over ``repeat`` runs of the CPU seconds ``func`` takes over all ``files``."""
    return statistics.median(
        stages.cpu_seconds(lambda: [func(data) for data in files]) for _ in range(repeat))


def _fit_rows(folder: Path, count: int, sample: int, repeat: int) -> list[Row]:
    files = _sample(folder, count, "fit", sample)
    records = sum(stages.fit_records(data) for data in files)
    fast = _median_cpu(stages.fit_fast, files, repeat)
    ours_before = _median_cpu(stages.fit_reader_fitparse, files, repeat)
    stock = _median_cpu(stages.fit_stock_fitparse, files, max(1, repeat - 1))
    ratio = stock / fast
    per = f"{records // len(files)} messages x {len(files)} files"
    return [
        Row("FIT decode: runlog", records / fast, "messages/s/core", per),
        Row("FIT decode: reader's fitparse path", records / ours_before, "messages/s/core",
            f"{ours_before / fast:.0f}x slower than runlog's decoder"),
        Row("FIT decode: fitparse", records / stock, "messages/s/core"),
        Row("FIT decode: runlog / fitparse", ratio, "x", "same files, CRC checked",
            ">= 50x", ratio >= 50),
    ]


def _gpx_rows(folder: Path, count: int, sample: int, repeat: int) -> list[Row]:
    files = _sample(folder, count, "gpx", sample)
    points = sum(stages.gpx_points(data) for data in files)
    parse_fast = _median_cpu(stages.gpx_parse_fast, files, repeat)
    parse_gpxpy = _median_cpu(stages.gpx_parse_gpxpy, files, repeat)
    read_fast = _median_cpu(stages.gpx_read("pattern"), files, repeat)
    read_tree = _median_cpu(stages.gpx_read("tree"), files, repeat)
    read_gpxpy = _median_cpu(stages.gpx_read("gpxpy"), files, repeat)
    us = 1e6 / points
    return [
        Row("GPX to points: runlog", parse_fast * us, "us/point",
            f"{points // len(files)} points x {len(files)} files"),
        Row("GPX to points: via gpxpy", parse_gpxpy * us, "us/point",
            "xmltools, gpxpy, then point by point"),
        Row("GPX to points: runlog / gpxpy", parse_gpxpy / parse_fast, "x", "", ">= 10x",
            parse_gpxpy / parse_fast >= 10),
        Row("GPX reader: fast path", read_fast * us, "us/point", "to activities"),
        Row("GPX reader: tree path", read_tree * us, "us/point", "files the pattern skips"),
        Row("GPX reader: gpxpy path", read_gpxpy * us, "us/point"),
        Row("GPX reader: fast / gpxpy", read_gpxpy / read_fast, "x", "whole reader", ">= 10x",
            read_gpxpy / read_fast >= 10),
    ]


def _tcx_rows(folder: Path, count: int, sample: int, repeat: int) -> list[Row]:
    files = _sample(folder, count, "tcx", sample)
    points = sum(stages.tcx_points(data) for data in files)
    by_pattern = _median_cpu(stages.tcx_read("pattern"), files, repeat)
    by_tree = _median_cpu(stages.tcx_read("tree"), files, repeat)
    us = 1e6 / points
    return [
        Row("TCX reader: pattern path", by_pattern * us, "us/point",
            f"{points // len(files)} points x {len(files)} files"),
        Row("TCX reader: tree path", by_tree * us, "us/point", "files the pattern skips"),
    ]


def _reader_rows(folder: Path, count: int, repeat: int) -> list[Row]:
    rows = []
    for kind in corpus.KINDS:
        files = _sample(folder, count, kind, 1)
        seconds = _median_cpu(stages.read_file(kind), files, repeat)
        rows.append(Row(f"read one {kind.upper()} file", seconds * 1000, "ms CPU",
                        "one hour at 1 Hz, to an activity"))
    return rows


def _pipeline_rows(folder: Path, count: int, work: Path, repeat: int,
                   jobs: int | None) -> list[Row]:
    cores = jobs or os.cpu_count() or 1
    runs = []
    for run in range(repeat if count <= QUICK_FILES * 10 else 1):
        store = work / f"store-{run}.sqlite"
        first = stages.run_import(folder, store, jobs)
        again = stages.run_import(folder, store, jobs)
        if first["activities"] != count or again["reused"] != count:
            raise RuntimeError(f"import lost files: {first}, again {again}")
        runs.append((first, again))
    first = {k: statistics.median(r[0][k] for r in runs) for k in runs[0][0]}
    again = {k: statistics.median(r[1][k] for r in runs) for k in runs[0][1]}
    full = count == FULL_FILES  # the targets are for 3,000 files; smaller runs are not judged
    rows = [
        Row(f"import {count} files, empty store", first["wall_s"], "s wall",
            f"{cores} processes, {first['cpu_s']:.1f} s CPU", "< 30 s for 3000",
            first["wall_s"] < 30 if full else None),
        Row("import: peak memory, main process", first["peak_mb"], "MB", "", "< 400 MB",
            first["peak_mb"] < 400),
        Row("import: peak memory, largest worker", first["worker_peak_mb"], "MB", "",
            "< 400 MB", first["worker_peak_mb"] < 400),
        Row(f"re-import {count} unchanged files", again["wall_s"], "s wall", "",
            "< 1 s for 3000", again["wall_s"] < 1 if full else None),
    ]
    store = work / "store-0.sqlite"
    as_of = (corpus.LAST_START.date()).isoformat()
    for fmt, limit in (("json", 2.0), ("html", 5.0)):
        seconds = statistics.median(
            stages.run_report(folder, store, fmt, work / f"report.{fmt}", as_of)
            for _ in range(repeat))
        rows.append(Row(f"runlog report --store, {fmt.upper()}", seconds, "s wall",
                        f"{count} activities, whole command", f"< {limit:g} s for 3000",
                        seconds < limit if count == FULL_FILES else None))
    return rows


def _command_rows(cache: Path, folder: Path, count: int, sizes: dict[str, int], work: Path,
                  repeat: int, jobs: int | None, reference_cpu: dict[str, float],
                  tree: Path | None = None) -> list[Row]:
    """Issue 14: whole ``runlog import`` and ``runlog --help`` commands, as a user runs them,
    beside fitparse and gpxpy on the same files on one core (timed once a run: kept in
    ``reference_cpu``). ``tree``: a baseline checkout to run instead of this one; its rows say
    so, and judge no target."""
    env = commands.environment(cache / "bytecode")
    options = ["--jobs", str(jobs)] if jobs else []
    empty = work / "empty"
    empty.mkdir(parents=True)
    rows = _timed_commands(cache, folder, count, sizes, work, repeat, jobs, reference_cpu, env,
                           options, empty, tree or commands.REPO)
    if tree is not None:
        rows = [Row(f"{row.stage} (baseline)", row.value, row.unit, row.note) for row in rows]
    return rows


def _timed_commands(cache: Path, folder: Path, count: int, sizes: dict[str, int], work: Path,
                    repeat: int, jobs: int | None, reference_cpu: dict[str, float],
                    env: dict[str, str], options: list[str], empty: Path, tree: Path
                    ) -> list[Row]:
    stores = iter(work / f"store-{n}.sqlite" for n in itertools.count())

    def imported(path: Path, store: Path, exit_codes: tuple[int, ...] = (0,)
                 ) -> commands.Run:
        return commands.runlog(["import", str(path), "--store", str(store), *options], env,
                               exit_codes=exit_codes, tree=tree)

    # the first run of each compiles what it imports into the bytecode cache
    commands.runlog(["--help"], env, tree=tree)
    imported(empty, next(stores), (1,))
    help_s = statistics.median(commands.runlog(["--help"], env, tree=tree).wall_s
                               for _ in range(repeat))
    starts = [imported(empty, next(stores), (1,)) for _ in range(repeat)]
    start_s = statistics.median(run.wall_s for run in starts)
    peaks = [run.peak_mb for run in starts]
    rows = [
        Row("runlog --help", help_s, "s wall", "whole command", "<= 0.15 s", help_s <= 0.15),
        Row("runlog import, empty folder", start_s, "s wall",
            "start-up: Python, runlog, the store; exit 1", "<= 0.30 s", start_s <= 0.30),
    ]
    references = {"fit": ("fitparse", stages.fit_stock_fitparse, "message", 100),
                  "gpx": ("gpxpy", commands.gpxpy_points, "point", 25)}
    for kind, (name, reference, unit, target) in references.items():
        files = sizes[kind]
        kind_folder = _kind_folder(cache, kind, files)
        runs = [imported(kind_folder, next(stores)) for _ in range(repeat)]
        for run in runs:
            _check_summary(run, files, parsed=files)
        peaks += [run.peak_mb for run in runs]
        wall = statistics.median(run.wall_s for run in runs)
        data = [path.read_bytes() for path in sorted(kind_folder.iterdir())]
        if kind not in reference_cpu:
            reference_cpu[kind] = _median_cpu(reference, data, max(1, repeat - 1))
        theirs = reference_cpu[kind]
        judged = files == COMMAND_FILES[kind]
        label = f"{files} {kind.upper()} files"
        work_s = wall - start_s
        ratio = theirs / work_s if work_s > 0 else math.nan
        rows += [
            Row(f"runlog import {label}, empty store", wall, "s wall",
                f"start-up included; {work_s:.2f} s without"),
            Row(f"{name}, same {label}", theirs, "s CPU", f"one core, every {unit} read"),
            Row(f"runlog import / {name}, {kind.upper()}", ratio, "x",
                "start-up excluded" if work_s > 0 else "start-up as long: too few files",
                f">= {target}x for {COMMAND_FILES[kind]}", ratio >= target if judged else None),
            Row(f"runlog import / {name}, {kind.upper()}, with start-up", theirs / wall, "x",
                "start-up included"),
        ]
    # every file into an empty store, then again unchanged
    runs, again = [], []
    for _ in range(repeat if count <= QUICK_FILES * 10 else 1):
        store = next(stores)
        runs.append(imported(folder, store))
        again += [imported(folder, store) for _ in range(repeat)]
    for run in runs:
        _check_summary(run, count, parsed=count)
    for run in again:
        _check_summary(run, count, parsed=0)
    peaks += [run.peak_mb for run in runs + again]
    wall = statistics.median(run.wall_s for run in runs)
    again_s = statistics.median(run.wall_s for run in again)
    full = count == FULL_FILES
    cores = jobs or os.cpu_count() or 1
    rows += [
        Row(f"runlog import {count} files, empty store", wall, "s wall",
            f"{cores} processes, start-up included", f"<= 15 s for {FULL_FILES}",
            wall <= 15 if full else None),
        Row(f"runlog import {count} files, unchanged", again_s, "s wall",
            "start-up included", f"<= 0.5 s for {FULL_FILES}", again_s <= 0.5 if full else None),
        Row("runlog import: peak memory", max(peaks), "MB",
            "largest process of any import above", "< 400 MB", max(peaks) < 400),
    ]
    return rows


def _check_summary(run: commands.Run, files: int, *, parsed: int) -> None:
    """The import's summary line says it read every file (parsed now or from the store)."""
    said = f"from {files} files ({parsed} parsed now, {files - parsed} from the store), 0 skipped"
    if said not in run.stderr:
        raise RuntimeError(f"runlog import did not say {said!r}:\n{run.stderr}")


def _apple_rows(work: Path, megabytes: int, repeat: int) -> list[Row]:
    """Issue 12: an Apple Health export, as export.xml and inside export.zip, through
    runlog.load in a new process (wall time, peak memory), and xml.etree.iterparse on it."""
    xml = work / "apple_health_export" / "export.xml"
    xml.parent.mkdir()
    built = apple.build(xml, megabytes << 20)
    size_mb = built["bytes"] / 1e6
    judged = megabytes >= 512  # the targets are for a real export's size
    times, peaks = [], []
    for run in range(repeat if megabytes <= 64 else 1):
        store = work / f"store-{run}.sqlite"
        first = stages.run_import(xml, store, 1)
        again = stages.run_import(xml, store, 1)
        if first["activities"] != built["runs"] or again["reused"] != 1:
            raise RuntimeError(f"Apple import lost runs: {first}, again {again}")
        times.append((first["wall_s"], again["wall_s"]))
        peaks.append(max(first["peak_mb"], first["worker_peak_mb"]))
    wall = statistics.median(t[0] for t in times)
    again_s = statistics.median(t[1] for t in times)
    archive = apple.zipped(xml, work / "export.zip")
    zipped = stages.run_import(archive, work / "store-zip.sqlite", 1)
    if zipped["activities"] != built["runs"]:
        raise RuntimeError(f"Apple zip import lost runs: {zipped}")
    peaks.append(max(zipped["peak_mb"], zipped["worker_peak_mb"]))
    iterparse_s = stages.apple_iterparse_seconds(xml)
    ours = size_mb / wall
    theirs = size_mb / iterparse_s
    what = f"{size_mb:,.0f} MB, {built['records']:,} records, {built['runs']} runs"
    return [
        Row("Apple export.xml: runlog import", ours, "MB/s", f"{what}, {wall:.2f} s wall",
            ">= 200 MB/s", ours >= 200 if judged else None),
        Row("Apple export.xml: xml.etree.iterparse", theirs, "MB/s",
            f"same file, records cleared, {iterparse_s:.2f} s; runlog {ours / theirs:.1f}x"),
        Row("Apple export.zip: runlog import", size_mb / zipped["wall_s"], "MB/s",
            f"uncompressed MB, {archive.stat().st_size / 1e6:,.0f} MB zip, "
            f"{zipped['wall_s']:.2f} s wall"),
        Row("Apple import: peak memory", max(peaks), "MB", "largest process, xml and zip",
            "< 300 MB", max(peaks) < 300),
        Row("Apple re-import, unchanged", again_s, "s wall", "", "< 1 s", again_s < 1),
    ]


def _print_table(rows: list[Row], count: int, repeat: int) -> None:
    print()
    what = f"issues 5, 12 and 14 benchmark: {count} files" if count else "issue 12 benchmark"
    print(f"{what}, median of {repeat} runs, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    width = max(len(r.stage) for r in rows)
    header = f"{'stage':<{width}}  {'median':>12}  {'unit':<15} {'target':<28} met  note"
    print(header)
    print("-" * len(header))
    for r in rows:
        value = f"{r.value:,.2f}" if r.value < 1000 else f"{r.value:,.0f}"
        met = {True: "yes", False: "NO", None: ""}[r.met]
        print(f"{r.stage:<{width}}  {value:>12}  {r.unit:<15} {r.target:<28} {met:<4} {r.note}")


if __name__ == "__main__":
    sys.exit(main())
