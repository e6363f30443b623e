"""Whole commands for ``python -m benchmarks``, timed as a user runs them: ``runlog import``
and ``runlog --help`` in a new process (start-up, imports, the pool and the store included),
beside fitparse and gpxpy reading the same files on one core.

Python compiles runlog's modules once into a bytecode cache in the benchmark's cache folder
(``PYTHONPYCACHEPREFIX``), as an installed runlog has them compiled; with
``PYTHONDONTWRITEBYTECODE`` set and no cache, every run would compile them again and the
start-up rows would time the compiler.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    wall_s: float
    #: The largest process of the command's tree (the command or one of its pool's), in MB.
    peak_mb: float
    stderr: str


def environment(bytecode: Path) -> dict[str, str]:
    """This process's environment, with runlog's bytecode kept in ``bytecode``."""
    env = {key: value for key, value in os.environ.items()
           if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(bytecode)
    return env


def runlog(args: list[str], env: dict[str, str], *, exit_codes: tuple[int, ...] = (0,),
           tree: Path = REPO) -> Run:
    """``python -m runlog ARGS``: its wall time and the peak memory of its process tree.

    Waited for with wait4, whose resource usage is this command's alone (with the pool
    processes it waited for): getrusage(RUSAGE_CHILDREN) would also hold the largest of every
    process this benchmark started before. ``tree``: the checkout whose runlog runs (``-m``
    puts the working folder first on the path)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "runlog", *args], cwd=tree, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if proc.returncode not in exit_codes:
        raise RuntimeError(f"runlog {' '.join(args)} exited {proc.returncode}:\n{stderr}")
    # ru_maxrss is in KiB on Linux
    return Run(wall, usage.ru_maxrss / 1024, stderr)


def gpxpy_points(data: bytes) -> None:
    """gpxpy as its README uses it: parse, then every track point's time and position."""
    import gpxpy

    for track in gpxpy.parse(data.decode("utf-8")).tracks:
        for segment in track.segments:
            for point in segment.points:
                _ = (point.time, point.latitude, point.longitude, point.elevation)
