"""``python -m benchmarks --quick`` runs and prints its table (timings are not asserted: they
belong to the machine; the point is that the script cannot rot)."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

from conftest import REPO

STAGES = [
    "FIT decode: runlog", "FIT decode: fitparse", "FIT decode: runlog / fitparse",
    "GPX to points: runlog / gpxpy", "GPX reader: fast / gpxpy", "TCX reader: pattern path",
    "TCX reader: tree path", "read one TCX file",
    "import 30 files, empty store", "import: peak memory, main process",
    "re-import 30 unchanged files", "runlog report --store, JSON",
    "runlog report --store, HTML",
    "Apple export.xml: runlog import", "Apple export.xml: xml.etree.iterparse",
    "Apple export.zip: runlog import", "Apple import: peak memory",
    # issue 14's whole commands, on --quick's few files of each kind
    "runlog --help", "runlog import, empty folder", "runlog import 8 FIT files, empty store",
    "fitparse, same 8 FIT files", "runlog import / fitparse, FIT, with start-up",
    "runlog import 4 GPX files, empty store", "gpxpy, same 4 GPX files",
    "runlog import / gpxpy, GPX, with start-up", "runlog import 30 files, empty store",
    "runlog import 30 files, unchanged", "runlog import: peak memory",
]
#: Rows judged against their target whatever the number of files: the met column says.
JUDGED = ["runlog --help", "runlog import, empty folder", "runlog import: peak memory"]
#: Ratios with start-up taken out: on a few files start-up may take all the time (nan).
WITHOUT_START_UP = {"runlog import / fitparse, FIT": ">= 100x for 240",
                    "runlog import / gpxpy, GPX": ">= 25x for 60"}


def test_quick_benchmark_prints_its_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--repeat", "1", "--cache",
         str(tmp_path / "cache"), "--baseline", str(REPO)],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("stage "))
    table = lines[header + 2:]
    # --baseline: the whole commands of another checkout (here this one), in the same run,
    # before this checkout's rows, judging no target.
    baseline = [line for line in table if "(baseline)" in line]
    assert len(baseline) == 13 and table.index(baseline[-1]) < table.index(
        next(line for line in table if line.startswith("runlog --help ")
             and "(baseline)" not in line))
    assert not any(" yes " in line or " NO " in line for line in baseline)
    table = [line for line in table if line not in baseline]
    for stage in STAGES:
        row = next((line for line in table if line.startswith(stage)), None)
        assert row is not None, f"no row for {stage!r} in:\n{done.stdout}"
        value = row[len(stage):].split()[0].replace(",", "")
        assert float(value) > 0, row
    for stage in JUDGED:
        row = next(line for line in table if line.startswith(stage))
        assert " yes " in row or " NO " in row, row
    for stage, target in WITHOUT_START_UP.items():
        row = next((line for line in table if line.startswith(stage + " ")), None)
        assert row is not None and target in row, f"no row for {stage!r} in:\n{done.stdout}"
        value = float(row[len(stage):].split()[0].replace(",", ""))
        assert value > 0 or math.isnan(value), row
    # The corpus is cached: 30 files, FIT, GPX and TCX in turn.
    files = sorted(p.name for p in (tmp_path / "cache" / "v1" / "n30").iterdir())
    assert len(files) == 30 and files[:3] == ["00000.fit", "00001.gpx", "00002.tcx"]
    # the whole-command rows read the first files of one kind, linked from the same pool
    fit = sorted(p.name for p in (tmp_path / "cache" / "v1" / "fit8").iterdir())
    assert fit == [f"{index:05d}.fit" for index in range(0, 24, 3)]
    gpx = sorted(p.name for p in (tmp_path / "cache" / "v1" / "gpx4").iterdir())
    assert gpx == ["00001.gpx", "00004.gpx", "00007.gpx", "00010.gpx"]


def test_quick_roster_benchmark_times_both_store_layouts(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.roster", "--quick", "--layout", "both", "--cache",
         str(tmp_path / "cache")],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    header = lines.index("runlog batch, 4 athletes, HTML reports (median seconds)")
    rows = {tuple(line.split()[:3]): line.split()[3:] for line in lines[header + 2:]
            if "--jobs" in line and "speed-up" not in line}
    assert sorted(rows) == [(layout, "--jobs", jobs) for layout in ("per-athlete", "single")
                            for jobs in ("1", "2")]
    for cold_s, warm_s in rows.values():
        assert float(cold_s) > 0 and float(warm_s) > 0
    athletes = sorted(p.name for p in (tmp_path / "cache" / "roster-4x28-v1").iterdir()
                      if p.is_dir())
    assert athletes == [f"athlete-00{n}" for n in range(1, 5)]
