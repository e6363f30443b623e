"""A sandbox for the hardening tests: hostile input goes through runlog in a child process
with a time and a memory bound, so a hang or a runaway allocation fails one case instead of
the whole run, and the outcome of every case is counted.

A :class:`Sandbox` keeps one forked worker and sends it one job at a time (a module-level
function of this file and its arguments). The worker's address space is capped with
``RLIMIT_AS``; the parent waits ``timeout_s`` for each answer and kills and replaces a worker
that does not give one (a hang) or dies (a crash).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import resource
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runlog.errors import RunlogError
from runlog.importers import ReadOptions, reader_for
from runlog.importers.archives import MAX_DECOMPRESSED_BYTES, discover
from runlog.model import Activity, to_frame

#: Seconds one small input may take. Readers take milliseconds on the seeds used here; the
#: margin is for a loaded 2-core CI machine, not for slow code.
CASE_TIMEOUT_S = 5.0
#: Memory a case may allocate on top of what the worker holds when it starts.
CASE_MEMORY_BYTES = 1 << 30

#: Outcomes that satisfy the contract; every other one fails a test.
GOOD = ("activities", "refused")
#: Outcomes that break it.
BAD = ("escaped", "unnamed", "empty", "hang", "crash", "memory")

OPTIONS = ReadOptions()


@dataclass
class Outcome:
    """What one input came to."""

    kind: str  # one of GOOD or BAD
    detail: str = ""
    #: an internal exception a reader's boundary turned into a ParseError ("KeyError: 'x'")
    masked: str | None = None
    seconds: float = 0.0
    peak_rss_kb: int = 0
    #: the activities' records, when the job was asked to keep them
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.kind in GOOD


@dataclass
class Tally:
    """Outcomes per reader (or per area), for the closing counts."""

    outcomes: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    masked: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    slowest_s: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    peak_rss_kb: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, name: str, outcome: Outcome) -> None:
        self.outcomes[name][outcome.kind] += 1
        if outcome.masked:
            self.masked[name][outcome.masked] += 1
        self.slowest_s[name] = max(self.slowest_s[name], outcome.seconds)
        self.peak_rss_kb[name] = max(self.peak_rss_kb[name], outcome.peak_rss_kb)

    def lines(self) -> list[str]:
        out = []
        for name in sorted(self.outcomes):
            counts = self.outcomes[name]
            order = [*GOOD, *BAD, *sorted(set(counts) - {*GOOD, *BAD})]
            parts = ", ".join(f"{counts[k]} {k}" for k in order if counts[k])
            masked = sum(self.masked[name].values())
            line = f"{name}: {sum(counts.values())} inputs ({parts})"
            if self.peak_rss_kb[name]:  # run in a sandbox
                line += (f"; slowest {self.slowest_s[name]:.2f} s; worker peak RSS "
                         f"{self.peak_rss_kb[name] // 1024} MiB")
            if masked:
                line += f"; {masked} internal errors caught at the reader boundary"
            out.append(line)
            for text, count in self.masked[name].most_common(5):
                out.append(f"    {count} x {text}")
        return out


#: Counts for the whole session, printed in the terminal summary (see :func:`report_at_end`).
TALLY = Tally()


# --- the worker ---------------------------------------------------------------------------------


def _serve(conn: Any, memory_bytes: int) -> None:  # runs in the child
    for kind in ("fit", "gpx", "tcx", "csv"):  # import every reader before the cap
        reader_for(kind)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _vm_size() + memory_bytes
    if hard == resource.RLIM_INFINITY or cap < hard:
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    while True:
        try:
            func, args = conn.recv()
        except EOFError:
            return
        started = time.perf_counter()
        try:
            outcome = func(*args)
        except MemoryError:
            outcome = Outcome("memory", "MemoryError outside a reader")
        except BaseException:  # noqa: BLE001 (the job failed: report it, keep serving)
            outcome = Outcome("escaped", traceback.format_exc(limit=8))
        outcome.seconds = time.perf_counter() - started
        outcome.peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        conn.send(outcome)


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


class Sandbox:
    """One worker process; :meth:`run` sends it a job and waits a bounded time."""

    def __init__(self, timeout_s: float = CASE_TIMEOUT_S,
                 memory_bytes: int = CASE_MEMORY_BYTES) -> None:
        self.timeout_s = timeout_s
        self.memory_bytes = memory_bytes
        self._context = multiprocessing.get_context("fork")
        self._process: Any = None
        self._conn: Any = None

    def _start(self) -> None:
        parent, child = self._context.Pipe()
        self._process = self._context.Process(target=_serve, args=(child, self.memory_bytes),
                                              daemon=True)
        self._process.start()
        child.close()
        self._conn = parent

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._conn.close()
        self._process = self._conn = None

    def close(self) -> None:
        self._stop()

    def run(self, func: Callable[..., Outcome], *args: Any) -> Outcome:
        if self._process is None or not self._process.is_alive():
            self._start()
        started = time.perf_counter()
        self._conn.send((func, args))
        if not self._conn.poll(self.timeout_s):
            self._stop()
            return Outcome("hang", f"no answer in {self.timeout_s:g} s",
                           seconds=time.perf_counter() - started)
        try:
            return self._conn.recv()
        except (EOFError, ConnectionError):
            self._process.join()
            code = self._process.exitcode
            self._stop()
            return Outcome("crash", f"worker died (exit code {code})",
                           seconds=time.perf_counter() - started)


class Fuzz:
    """Hostile inputs for the readers, run in a :class:`Sandbox` and counted in :data:`TALLY`.

    Every ``TABLE_EVERY`` inputs that gave activities, and at :meth:`settle`, the worker builds
    the activity table from them (see :func:`check_table`).
    """

    TABLE_EVERY = 200

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.tried = 0
        self._unchecked: dict[str, bytes] = {}

    def read(self, kind: str, data: bytes, label: str) -> Outcome:
        self.tried += 1
        source = f"fuzz/{label}-{self.tried}.{kind}"
        outcome = self.box.run(read_bytes, kind, data, source)
        TALLY.add(kind, outcome)
        if outcome.kind == "activities":
            self._unchecked[source] = data
            if len(self._unchecked) >= self.TABLE_EVERY:
                return self.settle() or outcome
        return outcome

    def settle(self) -> Outcome | None:
        """Check the table for the inputs read since the last check; the failure, or None."""
        if not self._unchecked:
            return None
        unchecked, self._unchecked = self._unchecked, {}
        outcome = self.box.run(check_table)
        if outcome.ok:
            return None
        culprit = next((s for s in unchecked if s in outcome.detail), None)
        if culprit is not None:
            outcome.detail += f"\ninput: {unchecked[culprit][:300]!r}"
        return outcome


# --- jobs (run in the worker) ------------------------------------------------------------------


def read_bytes(kind: str, data: bytes, source: str, keep: bool = False) -> Outcome:
    """Feed ``data`` to the ``kind`` reader; check what comes back keeps the reader contract.
    ``keep``: return the activities' records too."""
    try:
        result = reader_for(kind)(data, source, OPTIONS)
    except RunlogError as exc:
        return refusal(exc, source)
    except MemoryError:
        return Outcome("memory", "MemoryError")
    except Exception:  # noqa: BLE001 (what the contract forbids: report it)
        return Outcome("escaped", traceback.format_exc(limit=8))
    activities = [r for r in result if isinstance(r, Activity)]
    problems = [r for r in result if isinstance(r, RunlogError)]
    if len(activities) + len(problems) != len(result):
        strays = {type(r).__name__ for r in result} - {"Activity"}
        return Outcome("escaped", f"reader returned {sorted(strays)}")
    if not activities:
        return Outcome("empty", f"no activity and no error raised ({len(problems)} problems)")
    unnamed = [p for p in problems if p.path != source]
    if unnamed:
        return Outcome("unnamed", f"a left-out part does not name the file: {unnamed[0]!r}")
    # What the rest of runlog does with activities must hold too: a round trip through the
    # store's JSON here, and the schema-checked table in check_table().
    records = [json.loads(json.dumps(act.to_record())) for act in activities]
    for record in records:
        Activity.from_record(record)
    _PENDING.append((source, activities))
    return Outcome("activities", f"{len(activities)} activities, {len(problems)} parts left out",
                   records=records if keep else [])


#: Activities read since the last check_table(), by source (worker side). Building the table
#: costs about 20 ms whatever its size, so it is built once per batch, as load() does.
_PENDING: list[tuple[str, list[Activity]]] = []


def check_table() -> Outcome:
    """Build the activity table from every activity read since the last call; on failure,
    name the input that broke it."""
    batch = [act for _, acts in _PENDING for act in acts]
    try:
        to_frame(batch)
        return Outcome("activities", f"{len(batch)} activities make one table")
    except Exception:  # noqa: BLE001 (find the input that broke it)
        for source, acts in _PENDING:
            try:
                to_frame(acts)
            except Exception:  # noqa: BLE001
                return Outcome("escaped", f"the activity table refuses what {source} gave:\n"
                               + traceback.format_exc(limit=4))
        return Outcome("escaped", "the table refuses the batch:\n" + traceback.format_exc(4))
    finally:
        _PENDING.clear()


def discover_and_read(paths: list[str], max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Outcome:
    """Find the files under ``paths`` and read each one's bytes (no parsing). The detail is
    JSON: {"read": {source: size}, "refused": {source: reason}}; "refused" when nothing was
    read."""
    found = discover(paths, max_bytes=max_bytes)
    read: dict[str, int] = {}
    refused = {str(p.path): p.reason for p in found.problems}
    for item in found.items:
        try:
            read[item.source] = len(item.read_bytes())
        except RunlogError as exc:
            if exc.path != item.source:
                return Outcome("unnamed", f"{type(exc).__name__} does not name the file: {exc}")
            refused[item.source] = exc.reason
    detail = json.dumps({"read": read, "refused": refused})
    return Outcome("activities" if read else "refused", detail)


def refusal(exc: RunlogError, source: str) -> Outcome:
    """A refusal is good when it names the file; note an internal error it wraps."""
    chain = _causes(exc)
    if any(isinstance(e, MemoryError) for e in chain):
        return Outcome("memory", str(exc))
    if exc.path != source and source not in str(exc):
        return Outcome("unnamed", f"{type(exc).__name__} does not name the file: {exc}")
    masked = None
    internal = [e for e in chain if not isinstance(e, RunlogError)]
    if internal and _raised_at_reader_boundary(exc):
        first = internal[0]
        masked = f"{type(first).__name__}: {str(first).splitlines()[0][:80] if str(first) else ''}"
    return Outcome("refused", str(exc)[:200], masked=masked)


def _causes(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out.append(current)
        current = current.__cause__ or current.__context__
    return out


def _raised_at_reader_boundary(exc: BaseException) -> bool:
    """True when ``exc`` was raised by a reader's top-level ``read`` (its catch-all), not by
    code that meant to refuse the file."""
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame
        tb = tb.tb_next
    return (last is not None and last.f_code.co_name == "read"
            and last.f_globals.get("__name__", "").startswith("runlog.importers"))


# --- proof that nothing is written ------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_WRITE_EVENTS = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link",
                 "os.truncate", "os.chmod", "os.chown", "os.utime", "shutil.copyfile",
                 "shutil.copytree", "shutil.move", "shutil.rmtree", "tempfile.mkstemp",
                 "tempfile.mkdtemp", "sqlite3.connect", "os.fork", "os.forkpty",
                 "os.posix_spawn", "subprocess.Popen"}
#: The writes seen by the watch in progress, if any. An audit hook cannot be removed, so one
#: is installed for the session and switched by this.
_WATCHING: list[list[str]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _WATCHING:
        return
    if event == "open":
        path, mode, flags = args
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (
                isinstance(flags, int) and flags & _WRITE_FLAGS):
            _WATCHING[-1].append(f"open {path!r} {mode or flags}")
    elif event in _WRITE_EVENTS:
        _WATCHING[-1].append(f"{event} {args[:1]!r}")


@contextmanager
def watch_writes() -> Iterator[list[str]]:
    """``with watch_writes() as seen:`` collects every file opened for writing, every file or
    folder made, moved or removed, and every new process, in this process."""
    if not getattr(sys, "_runlog_hardening_hooked", False):
        sys.addaudithook(_audit)
        sys._runlog_hardening_hooked = True  # type: ignore[attr-defined]
    seen: list[str] = []
    _WATCHING.append(seen)
    try:
        yield seen
    finally:
        _WATCHING.remove(seen)


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``: its content hash (or "dir"), by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() and not p.is_symlink() else "dir" if p.is_dir() else "other"
            for p in sorted(root.rglob("*"))}


# --- the closing counts ----------------------------------------------------------------------


class _Summary:
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not TALLY.outcomes:
            return
        terminalreporter.write_sep("-", "runlog hardening: inputs tried")
        for line in TALLY.lines():
            terminalreporter.write_line(line)


def report_at_end(config: Any) -> None:
    """Print :data:`TALLY` in pytest's terminal summary (once per session)."""
    if not config.pluginmanager.has_plugin("runlog-hardening-summary"):
        config.pluginmanager.register(_Summary(), "runlog-hardening-summary")


def fuzz_examples(default: int) -> int:
    """Examples per property: ``default``, or ``$RUNLOG_FUZZ_EXAMPLES`` for a deeper run."""
    return int(os.environ.get("RUNLOG_FUZZ_EXAMPLES", default))


def deep_run() -> bool:
    return "RUNLOG_FUZZ_EXAMPLES" in os.environ
